using System.Globalization;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Migrations;
using DataGuard.Pitr;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres;
using DataGuard.Postgres.Retention;
using DataGuard.Postgres.Schema;
using DataGuard.Postgres.Status;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>
/// Reads what the dashboard shows from DataGuard's own services: <c>dataguard status</c> (<see cref="StatusService"/>),
/// the backup catalog, the WAL archive, the drill reports in storage, <c>dataguard.retention_runs</c>, the migration
/// ledger and <c>dataguard.export_jobs</c>. Read-only. A part that cannot be read says why on its page.
/// </summary>
internal sealed class DashboardData
{
    /// <summary>The self-service export target: ready within 5 minutes of the request.</summary>
    public static readonly TimeSpan ExportTarget = TimeSpan.FromMinutes(5);

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<DashboardData> _logger;
    private readonly IOptions<DataGuardDashboardOptions> _options;

    public DashboardData(IServiceProvider services, TimeProvider time, ILogger<DashboardData> logger, IOptions<DataGuardDashboardOptions> options)
    {
        _services = services;
        _time = time;
        _logger = logger;
        _options = options;
    }

    private BackupOptions Backup => _services.GetRequiredService<IOptions<BackupOptions>>().Value;

    private PitrOptions Pitr => _services.GetRequiredService<IOptions<PitrOptions>>().Value;

    /// <summary>
    /// Reads the version of DataGuard's schema, without changing anything: <see langword="null"/> when it is current
    /// (or there is no database to check), else the notice every page shows instead of its data. A GET never creates
    /// or upgrades the schema, so the dashboard works with a read-only role.
    /// </summary>
    public async Task<SchemaNotice?> SchemaNoticeAsync(CancellationToken cancellationToken)
    {
        if (_services.GetService<DataGuardDataSource>() is not { } dataSource)
        {
            return null;
        }

        int? version;
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            version = await DataGuardSchema.ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return new SchemaNotice(
                _time.GetUtcNow(),
                null,
                DataGuardSchema.Latest,
                $"DataGuard's schema cannot be read by this role ({ex.SqlState}: permission denied). A read-only role needs: GRANT USAGE ON SCHEMA dataguard TO <role>; GRANT SELECT ON ALL TABLES IN SCHEMA dataguard TO <role>.");
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            // The database does not answer: each part says so on its own page.
            return null;
        }

        if (version >= DataGuardSchema.Latest)
        {
            return null;
        }

        var state = version is null
            ? "DataGuard's schema is not installed in this database (there is no schema dataguard)"
            : $"DataGuard's schema is at version {version}, this release expects version {DataGuardSchema.Latest}";
        return new SchemaNotice(
            _time.GetUtcNow(),
            version,
            DataGuardSchema.Latest,
            $"{state}. The dashboard only reads and does not {(version is null ? "create" : "upgrade")} it: run `dataguard schema upgrade` with a role that may create tables in the database, or start a host with DataGuard's workers (they do it at their first run).");
    }

    public async Task<OverviewPage> OverviewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var status = _services.GetService<StatusService>() is { } service
            ? await service.ReadAsync(MigrationsDirectory(), cancellationToken).ConfigureAwait(false)
            : new StatusReport(now, [new StatusItem("status", StatusState.Off, "the status service is not added (services.AddDataGuard().AddPostgres())")]);
        string StateOf(string part) => status.Items.FirstOrDefault(i => i.Part == part)?.State.ToString().ToLowerInvariant() ?? "off";
        string SummaryOf(string part) => status.Items.FirstOrDefault(i => i.Part == part)?.Summary ?? "not in use";

        var backups = await BackupsAsync(cancellationToken).ConfigureAwait(false);
        var drills = await DrillsAsync(cancellationToken).ConfigureAwait(false);
        var pitr = await PitrAsync(cancellationToken).ConfigureAwait(false);
        var exports = await ExportsAsync(cancellationToken).ConfigureAwait(false);

        var newest = backups.Backups.Where(b => b.Status == StatusText(BackupStatus.Verified)).MaxBy(b => b.CompletedAt);
        var rpo = new DashboardLight(
            "RPO",
            StateOf("backup"),
            newest is null ? "no verified backup" : Hours((now - newest.CompletedAt).TotalHours) + " since the newest verified backup",
            "≤ " + Hours(backups.RpoHours),
            SummaryOf("backup"),
            "backups");
        var lastDrill = drills.Drills.Count > 0 ? drills.Drills[0] : null;
        var rtoTarget = drills.RtoTargetSeconds;
        var rto = new DashboardLight(
            "RTO",
            lastDrill?.RtoSeconds is not { } measured ? (lastDrill is null ? "warning" : "failing") : measured <= rtoTarget ? "ok" : "failing",
            lastDrill?.RtoSeconds is { } r ? Duration(r) + " restore in the last drill" : "not measured yet",
            "≤ " + Duration(rtoTarget),
            lastDrill is null ? "no drill has run: the RTO is unknown" : $"measured by drill {lastDrill.Id}",
            "drills");
        var window = pitr.EarliestRestorable is { } from && pitr.LatestRestorable is { } to ? (to - from).TotalDays : (double?)null;
        var pitrLight = new DashboardLight(
            "PITR window",
            !pitr.Enabled ? "off" : window is null || pitr.Gaps.Count > 0 ? "failing" : window < pitr.WindowDays ? "warning" : "ok",
            !pitr.Enabled ? "off" : window is { } days ? string.Create(CultureInfo.InvariantCulture, $"{days:F1} days restorable") + (pitr.Gaps.Count > 0 ? $", {pitr.Gaps.Count} gap(s)" : string.Empty) : "no restorable window",
            string.Create(CultureInfo.InvariantCulture, $"{pitr.WindowDays} days"),
            SummaryOf("pitr"),
            "pitr");
        var drill = new DashboardLight(
            "Last drill",
            StateOf("drill"),
            lastDrill is null ? "never" : $"{(lastDrill.Passed ? "passed" : "FAILED")}, {Days((now - lastDrill.StartedAt).TotalDays)} ago",
            "a passed drill at least every " + Days(_services.GetService<IOptions<DrillOptions>>()?.Value.MaxInterval.TotalDays ?? 92),
            SummaryOf("drill"),
            "drills");
        var walAge = pitr.LatestRestorable is { } latest ? now - latest : (TimeSpan?)null;
        var wal = new DashboardLight(
            "WAL lag",
            StateOf("wal"),
            !pitr.Enabled ? "off" : walAge is { } age ? Duration(age.TotalSeconds) + " since the newest archived segment" : "nothing archived",
            "≤ " + Duration(Pitr.MaxArchiveLag.TotalSeconds) + " behind",
            SummaryOf("wal"),
            "pitr");
        var export = new DashboardLight(
            "Export ready time",
            StateOf("export"),
            exports.P95Seconds is { } p95 ? $"p95 {Duration(p95)}" : "no export in the last day",
            "≤ " + Duration(ExportTarget.TotalSeconds),
            SummaryOf("export"),
            "exports");
        return new OverviewPage(
            status.GeneratedAt,
            status.Healthy,
            [rpo, rto, pitrLight, drill, wal, export],
            [.. status.Items.Select(i => new DashboardStatusLine(i.Part, i.State.ToString().ToLowerInvariant(), i.Summary))]);
    }

    public async Task<BackupsPage> BackupsAsync(CancellationToken cancellationToken)
    {
        var options = Backup;
        var now = _time.GetUtcNow();
        var from = now - TimeSpan.FromDays(options.Retention.Days);
        try
        {
            var catalog = await _services.GetRequiredService<BackupService>().GetCatalogAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            var points = new List<BackupPoint>();
            DateTimeOffset? previous = null;
            foreach (var b in catalog.Backups.OrderBy(b => b.CompletedAt))
            {
                var gap = previous is { } p ? (b.CompletedAt - p).TotalHours : (double?)null;
                if (b.Status == BackupStatus.Verified)
                {
                    previous = b.CompletedAt;
                }

                if (b.CompletedAt >= from)
                {
                    points.Add(new BackupPoint(b.Id, b.Kind, b.StartedAt, b.CompletedAt, (b.CompletedAt - b.StartedAt).TotalSeconds, b.StoredSize, b.RawSize, StatusText(b.Status), b.Status == BackupStatus.Verified ? gap : null));
                }
            }

            var failures = catalog.Orphans.Where(o => o.LastModified >= from).Select(o => new BackupFailure(o.Id, o.LastModified, "data without a manifest: the run failed or was interrupted"))
                .Concat(catalog.Backups.Where(b => b.Status == BackupStatus.VerificationFailed && b.CompletedAt >= from).Select(b => new BackupFailure(b.Id, b.CompletedAt, "verification failed: " + (b.Verification?.Detail ?? "see 'dataguard backup verify'"))))
                .Concat(catalog.Unreadable.Select(u => new BackupFailure(u.Id, u.LastModified, "manifest unreadable (quarantined): " + u.Reason)).Where(f => f.At >= from))
                .OrderBy(f => f.At)
                .ToList();
            return new BackupsPage(now, options.Retention.Days, options.Rpo.TotalHours, options.RpoSlack.TotalHours, from, now, points, failures, null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return new BackupsPage(now, options.Retention.Days, options.Rpo.TotalHours, options.RpoSlack.TotalHours, from, now, [], [], Problem("backups", ex));
        }
    }

    public async Task<PitrPage> PitrAsync(CancellationToken cancellationToken)
    {
        var options = Pitr;
        var now = _time.GetUtcNow();
        var from = now - TimeSpan.FromDays(options.WindowDays);
        if (!options.Enabled)
        {
            return new PitrPage(now, false, options.WindowDays, from, now, null, null, 0, [], null);
        }

        try
        {
            // One listing of the WAL archive per page load: the health check, the status report and this page share it.
            var inspector = _services.GetRequiredService<WalArchiveInspector>();
            var status = await inspector.InspectAsync(WalArchiveInspector.ReportingListingAge, cancellationToken).ConfigureAwait(false);
            var gaps = new List<PitrGap>();
            if (status.HasGaps)
            {
                var archived = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                foreach (var file in await inspector.ListAsync(WalArchiveInspector.ReportingListingAge, cancellationToken).ConfigureAwait(false))
                {
                    archived[file.Name] = file.ArchivedAt;
                }

                var size = options.WalSegmentSize;
                foreach (var timeline in status.Timelines)
                {
                    foreach (var gap in timeline.Gaps)
                    {
                        var before = WalSegmentNumbers.Name(timeline.Timeline, WalSegmentNumbers.Of(gap.From, size) - 1, size);
                        var after = WalSegmentNumbers.Name(timeline.Timeline, WalSegmentNumbers.Of(gap.To, size) + 1, size);
                        gaps.Add(new PitrGap(timeline.Timeline, gap.From, gap.To, gap.Count, archived.TryGetValue(before, out var a) ? a : null, archived.TryGetValue(after, out var b) ? b : null));
                    }
                }
            }

            return new PitrPage(now, true, options.WindowDays, from, now, status.EarliestRestorableTime, status.LatestRestorableTime, status.BaseBackups, gaps, null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return new PitrPage(now, true, options.WindowDays, from, now, null, null, 0, [], Problem("pitr", ex));
        }
    }

    public async Task<DrillsPage> DrillsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var rtoTarget = (_services.GetService<IOptions<DrillOptions>>()?.Value.RtoTarget ?? TimeSpan.FromHours(4)).TotalSeconds;
        var rpoTarget = Backup.Rpo.TotalSeconds;
        try
        {
            var reports = await new DrillReports(_services.GetRequiredService<IBackupStorage>()).ListAsync(50, cancellationToken).ConfigureAwait(false);
            return new DrillsPage(now, rtoTarget, rpoTarget, [.. reports.Select(r => new DrillPoint(r.Id, r.StartedAt, r.BackupId, r.Passed, r.RtoSeconds, r.RpoSeconds, r.Checks.Count, r.Checks.Count(c => c.Passed), r.Error))], null);
        }
        catch (Exception ex) when (IsReadFailure(ex) || ex is System.Text.Json.JsonException)
        {
            return new DrillsPage(now, rtoTarget, rpoTarget, [], Problem("drills", ex));
        }
    }

    public async Task<RetentionPage> RetentionAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var policies = _services.GetService<IOptions<RetentionOptions>>()?.Value.Policies.Select(p => p.Name).ToList() ?? [];
        if (_services.GetService<RetentionHistory>() is not { } history)
        {
            return new RetentionPage(now, policies, [], "Retention is not added to this host (AddRetention() or AddPostgres()).");
        }

        try
        {
            var runs = await history.ReadAsync(30, cancellationToken).ConfigureAwait(false);
            return new RetentionPage(now, policies, [.. runs.Select(r => new RetentionRunRow(r.Id, r.StartedAt, r.FinishedAt, r.DryRun, r.RunBy, [.. r.Policies.Select(p => new RetentionPolicyRow(p.Policy, p.Action, p.RowsAffected, p.RowsHeld, p.Batches, p.DurationMs, p.Error))]))], null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return new RetentionPage(now, policies, [], Problem("retention", ex));
        }
    }

    public async Task<MigrationsPage> MigrationsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_services.GetService<IMigrationLedger>() is not { } ledger || _services.GetService<Migrator>() is not { } migrator)
        {
            return new MigrationsPage(now, [], [], null, [], "Migrations are not added to this host (AddMigrations() or AddPostgres()).");
        }

        try
        {
            var entries = await ledger.ReadAsync(cancellationToken).ConfigureAwait(false);
            var history = await ledger.ReadHistoryAsync(30, cancellationToken).ConfigureAwait(false);
            var directory = MigrationsDirectory();
            var set = directory is not null && Directory.Exists(directory) ? MigrationSet.FromDirectory(directory) : new MigrationSet([], []);
            var pending = set.Migrations.Count == 0
                ? []
                : (await migrator.StatusAsync(set, cancellationToken).ConfigureAwait(false)).Where(r => r.State is "pending" or "rolledback").Select(r => $"{r.Version} {r.Title}").ToList();
            RollbackPlan? plan = null;
            if (entries.Where(e => e.State == MigrationState.Applied).MaxBy(e => e.AppliedAt) is { } last)
            {
                try
                {
                    var steps = await migrator.PlanDownAsync(set, new DownRequest { Deploy = last.DeployId, Prefer = "ledger" }, cancellationToken).ConfigureAwait(false);
                    plan = new RollbackPlan(last.DeployId, true, [.. steps.Select(s => new RollbackStep(s.Version, s.Title, s.Transaction, s.Script))], null);
                }
                catch (DataGuardException ex)
                {
                    plan = new RollbackPlan(last.DeployId, false, [], ex.Message);
                }
            }

            return new MigrationsPage(
                now,
                [.. entries.OrderByDescending(e => e.Version).Select(e => new LedgerRow(e.Version, e.Title, e.State.ToString(), e.AppliedAt, e.AppliedBy, e.DeployId, e.ExecutionMs, e.Down is not null, e.Irreversible, e.Error))],
                [.. history.Select(h => new LedgerEvent(h.Version, h.Direction, h.Outcome, h.At, h.By, h.DurationMs, h.DeployId, h.Error))],
                plan,
                pending,
                null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return new MigrationsPage(now, [], [], null, [], Problem("migrations", ex));
        }
    }

    public async Task<ExportsPage> ExportsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var target = ExportTarget.TotalSeconds;
        if (_services.GetService<ExportJobs>() is not { } jobs)
        {
            return new ExportsPage(now, target, null, null, 0, 0, 0, [], "Export is not added to this host (AddExport() or AddPostgres()).");
        }

        try
        {
            var stats = await jobs.StatsAsync(cancellationToken).ConfigureAwait(false);
            var list = await jobs.ListAsync(100, cancellationToken).ConfigureAwait(false);
            return new ExportsPage(
                now,
                target,
                stats.P50?.TotalSeconds,
                stats.P95?.TotalSeconds,
                stats.Pending,
                stats.Running,
                stats.FailedLastDay,
                [.. list.Select(j => new ExportJobRow(j.Id, j.Status, j.RequestedAt, j.FinishedAt, j.Latency?.TotalSeconds, j.Formats, j.Attempts, WithoutSubject(j.Error, j.Subject)))],
                null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            return new ExportsPage(now, target, null, null, 0, 0, 0, [], Problem("exports", ex));
        }
    }

    internal static string Hours(double hours) => string.Create(CultureInfo.InvariantCulture, $"{hours:F1} h");

    internal static string Days(double days) => string.Create(CultureInfo.InvariantCulture, $"{days:F0} days");

    /// <summary>A backup's status as manifests, <c>dataguard backup list --json</c> and the API spell it ("verified", "verificationFailed").</summary>
    internal static string StatusText(BackupStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    internal static string Duration(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:F1} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:F1} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:F1} h"),
    };

    private static bool IsReadFailure(Exception ex) => ex is DataGuardException or NpgsqlException or StorageException or IOException or InvalidOperationException;

    private string? MigrationsDirectory() =>
        _options.Value.MigrationsDirectory ?? _services.GetService<IOptions<MigrationsOptions>>()?.Value.Directory;

    private string Problem(string part, Exception ex)
    {
        DashboardLog.PartFailed(_logger, part, ex.Message, ex);
        return $"The {part} data cannot be read: {ex.Message}";
    }

    /// <summary>
    /// A job's error without its subject key: the dashboard shows no subjects, but a worker's message may quote the key
    /// ("No subject public.users.id = '42'"). Quoted spellings are replaced; a bare key is left, since a short key
    /// ("1") also occurs in SQLSTATEs and counts.
    /// </summary>
    /// <param name="error">The stored error, or <see langword="null"/>.</param>
    /// <param name="subject">The job's subject key.</param>
    /// <returns>The error with every quoted occurrence of the key replaced by <c>'(subject)'</c>.</returns>
    internal static string? WithoutSubject(string? error, string subject) =>
        error is null || subject.Length == 0
            ? error
            : error.Replace($"'{subject}'", "'(subject)'", StringComparison.Ordinal).Replace($"\"{subject}\"", "\"(subject)\"", StringComparison.Ordinal);
}
