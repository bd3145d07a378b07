namespace DataGuard.Postgres.Drills;

/// <summary>What a restore drill found; stored as <c>drills/&lt;id&gt;.json</c>.</summary>
/// <param name="Id">The drill's id (sorts by time).</param>
/// <param name="BackupId">The backup restored.</param>
/// <param name="BackupCompletedAt">When that backup completed.</param>
/// <param name="StartedAt">When the drill started.</param>
/// <param name="Target">The scratch database, as <c>host:port/database</c>.</param>
/// <param name="RpoSeconds">The backup's age when the drill started: the data a disaster then would have lost (the actual RPO).</param>
/// <param name="RtoSeconds">How long the restore took (the actual RTO), or <see langword="null"/> when it did not finish.</param>
/// <param name="Checks">Each check and its result.</param>
/// <param name="Passed">Whether every step and check passed.</param>
/// <param name="Error">What failed, if a step did.</param>
internal sealed record DrillReport(
    string Id,
    string? BackupId,
    DateTimeOffset? BackupCompletedAt,
    DateTimeOffset StartedAt,
    string Target,
    double? RpoSeconds,
    double? RtoSeconds,
    IReadOnlyList<DrillCheckResult> Checks,
    bool Passed,
    string? Error);
