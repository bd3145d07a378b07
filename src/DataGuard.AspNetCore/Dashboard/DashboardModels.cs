namespace DataGuard.AspNetCore.Dashboard;

// The models of the dashboard's pages: what the HTML shows and what /api/... returns as JSON (camelCase).

/// <summary>A traffic light of the overview: its state and the number behind it.</summary>
/// <param name="Name">What it measures.</param>
/// <param name="State"><c>ok</c>, <c>warning</c>, <c>failing</c> or <c>off</c>.</param>
/// <param name="Value">The measured value, with its unit.</param>
/// <param name="Target">The target it is held against.</param>
/// <param name="Summary">One sentence.</param>
/// <param name="Page">The page with the details.</param>
internal sealed record DashboardLight(string Name, string State, string Value, string Target, string Summary, string Page);

/// <summary>One line of <c>dataguard status</c>.</summary>
internal sealed record DashboardStatusLine(string Part, string State, string Summary);

/// <summary>The overview page.</summary>
internal sealed record OverviewPage(DateTimeOffset GeneratedAt, bool Healthy, IReadOnlyList<DashboardLight> Lights, IReadOnlyList<DashboardStatusLine> Status);

/// <summary>A backup on the timeline.</summary>
internal sealed record BackupPoint(string Id, string Kind, DateTimeOffset StartedAt, DateTimeOffset CompletedAt, double DurationSeconds, long StoredBytes, long RawBytes, string Status, double? HoursSincePrevious);

/// <summary>A backup that failed: data without a manifest (a failed or interrupted run), or a failed verification.</summary>
internal sealed record BackupFailure(string Id, DateTimeOffset At, string Reason);

/// <summary>The backup timeline page.</summary>
internal sealed record BackupsPage(DateTimeOffset GeneratedAt, int RetentionDays, double RpoHours, double RpoSlackHours, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<BackupPoint> Backups, IReadOnlyList<BackupFailure> Failures, string? Problem);

/// <summary>A gap in the WAL archive: recovery cannot pass it.</summary>
internal sealed record PitrGap(string Timeline, string FirstMissing, string LastMissing, ulong Count, DateTimeOffset? After, DateTimeOffset? Before);

/// <summary>The PITR window page.</summary>
internal sealed record PitrPage(DateTimeOffset GeneratedAt, bool Enabled, int WindowDays, DateTimeOffset From, DateTimeOffset To, DateTimeOffset? EarliestRestorable, DateTimeOffset? LatestRestorable, int BaseBackups, IReadOnlyList<PitrGap> Gaps, string? Problem);

/// <summary>A restore drill.</summary>
internal sealed record DrillPoint(string Id, DateTimeOffset StartedAt, string? BackupId, bool Passed, double? RtoSeconds, double? RpoSeconds, int Checks, int ChecksPassed, string? Error);

/// <summary>The drill history page.</summary>
internal sealed record DrillsPage(DateTimeOffset GeneratedAt, double RtoTargetSeconds, double RpoTargetSeconds, IReadOnlyList<DrillPoint> Drills, string? Problem);

/// <summary>One policy's result in a retention run.</summary>
internal sealed record RetentionPolicyRow(string Policy, string Action, long RowsAffected, long RowsHeld, int Batches, long DurationMs, string? Error);

/// <summary>A retention run from <c>dataguard.retention_runs</c>.</summary>
internal sealed record RetentionRunRow(long Id, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, bool DryRun, string RunBy, IReadOnlyList<RetentionPolicyRow> Policies);

/// <summary>The retention runs page.</summary>
internal sealed record RetentionPage(DateTimeOffset GeneratedAt, IReadOnlyList<string> Policies, IReadOnlyList<RetentionRunRow> Runs, string? Problem);

/// <summary>A ledger entry.</summary>
internal sealed record LedgerRow(long Version, string Title, string State, DateTimeOffset AppliedAt, string AppliedBy, string DeployId, long ExecutionMs, bool HasDown, bool Irreversible, string? Error);

/// <summary>A step of the rollback plan.</summary>
internal sealed record RollbackStep(long Version, string Title, string Transaction, string Script);

/// <summary>What rolling back the last deploy would run (nothing is run by the dashboard).</summary>
internal sealed record RollbackPlan(string Deploy, bool Possible, IReadOnlyList<RollbackStep> Steps, string? Refusal);

/// <summary>An event of the ledger's history.</summary>
internal sealed record LedgerEvent(long Version, string Direction, string Outcome, DateTimeOffset At, string By, long DurationMs, string? DeployId, string? Error);

/// <summary>The migration ledger page.</summary>
internal sealed record MigrationsPage(DateTimeOffset GeneratedAt, IReadOnlyList<LedgerRow> Ledger, IReadOnlyList<LedgerEvent> History, RollbackPlan? LastDeploy, IReadOnlyList<string> Pending, string? Problem);

/// <summary>An export job (the subject's key is not shown).</summary>
internal sealed record ExportJobRow(Guid Id, string Status, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt, double? LatencySeconds, IReadOnlyList<string> Formats, int Attempts, string? Error);

/// <summary>The export jobs page.</summary>
internal sealed record ExportsPage(DateTimeOffset GeneratedAt, double TargetSeconds, double? P50Seconds, double? P95Seconds, long Pending, long Running, long FailedLastDay, IReadOnlyList<ExportJobRow> Jobs, string? Problem);

/// <summary>Why the dashboard shows nothing but this notice: DataGuard's schema is missing or older than this release expects (the dashboard only reads; it never creates or upgrades it).</summary>
/// <param name="GeneratedAt">When it was checked.</param>
/// <param name="InstalledVersion">The schema's version, or <see langword="null"/> when it is not installed.</param>
/// <param name="ExpectedVersion">The version this release needs.</param>
/// <param name="Detail">What is wrong and what to run.</param>
internal sealed record SchemaNotice(DateTimeOffset GeneratedAt, int? InstalledVersion, int ExpectedVersion, string Detail);
