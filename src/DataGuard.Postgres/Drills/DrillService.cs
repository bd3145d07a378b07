using DataGuard.Backup;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// Restore drills: restores a logical backup (default: the newest verified one) into a scratch database on the same
/// or a configured drill server, checks the checksum (before anything is written), per-table row counts against the
/// manifest and the configured checks, drops the scratch database (only one it created, also when a step failed),
/// and stores a report with the measured RPO and RTO under <c>drills/&lt;id&gt;.json</c>. A drill never runs against
/// the production database.
/// </summary>
internal sealed class DrillService
{
    /// <summary>The storage prefix of drill reports.</summary>
    public const string Prefix = StorageLayout.Drills;
    private readonly ILogger<DrillService> _logger;
    private readonly LogicalDrill _logical;
    private readonly PhysicalDrill _physical;
    private readonly DrillReports _reports;
    private readonly DataGuardMetrics _metrics;

    /// <summary>Initializes a new instance of the <see cref="DrillService"/> class.</summary>
    /// <param name="backups">The backups.</param>
    /// <param name="storage">Where reports go.</param>
    /// <param name="postgres">The PostgreSQL options (the production database).</param>
    /// <param name="options">The drill options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="pitr">Point-in-time restores (physical drills).</param>
    /// <param name="tools">The pg tools (pg_ctl, to stop a physical drill's server).</param>
    /// <param name="metrics">The metrics (drills by outcome, measured RTO and RPO).</param>
    public DrillService(BackupService backups, IBackupStorage storage, IOptions<PostgresOptions> postgres, IOptions<DrillOptions> options, TimeProvider time, ILogger<DrillService> logger, Pitr.PitrRestoreService pitr, Tools.PgToolLocator tools, DataGuardMetrics metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _logical = new LogicalDrill(backups, postgres, options, time);
        _physical = new PhysicalDrill(backups, postgres, options, time, pitr, tools);
        _reports = new DrillReports(storage);
    }

    /// <summary>Runs a drill and stores its report.</summary>
    /// <param name="backupId">The backup to restore, or <see langword="null"/> for the newest verified logical backup.</param>
    /// <param name="cancellationToken">Cancels the drill (the scratch database is still dropped).</param>
    /// <returns>The report; <see cref="DrillReport.Passed"/> says how it went.</returns>
    /// <exception cref="DataGuardException">The drill target is the production database: refused before anything happens.</exception>
    public async Task<DrillReport> RunAsync(string? backupId = null, CancellationToken cancellationToken = default)
    {
        using var activity = StartDrill("logical");
        try
        {
            return await FinishAsync("logical", activity, await _logical.RunAsync(backupId, activity, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// Runs a physical drill: restores the newest base backup into a temporary data directory, starts it on a free
    /// port (isolated from production's peers unless <see cref="DrillOptions.Isolate"/> is off), replays all archived
    /// WAL (latest point) and promotes, runs the configured checks, then stops the server and deletes the directory.
    /// The drill fails when recovery stopped before the end of the archive, or when a WAL file could not be fetched.
    /// The RPO is the time between the last replayed transaction and the drill's start.
    /// </summary>
    /// <param name="cancellationToken">Cancels the drill (the server is still stopped and removed).</param>
    /// <returns>The report.</returns>
    public async Task<DrillReport> RunPhysicalAsync(CancellationToken cancellationToken = default)
    {
        using var activity = StartDrill("physical");
        try
        {
            return await FinishAsync("physical", activity, await _physical.RunAsync(activity, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    /// <summary>The latest drill reports, newest first.</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The reports.</returns>
    public Task<IReadOnlyList<DrillReport>> ListAsync(int count = 10, CancellationToken cancellationToken = default) => _reports.ListAsync(count, cancellationToken);

    /// <summary>A drill's span (<c>dataguard.drill.run</c>): it restores rows, so failures below it withhold their messages.</summary>
    private static System.Diagnostics.Activity? StartDrill(string kind)
    {
        var activity = DataGuardActivitySource.StartPersonal("dataguard.drill.run");
        activity?.SetTag("dataguard.drill.kind", kind);
        return activity;
    }

    private async Task<DrillReport> FinishAsync(string kind, System.Diagnostics.Activity? activity, DrillReport report, CancellationToken cancellationToken)
    {
        activity?.SetTag("dataguard.drill.id", report.Id);
        if (report.BackupId is { } backupId)
        {
            activity?.SetTag("dataguard.backup.id", backupId);
        }

        activity?.SetTag("dataguard.drill.passed", report.Passed);
        if (report.RtoSeconds is { } rto)
        {
            activity?.SetTag("dataguard.drill.rto", rto);
        }

        if (report.RpoSeconds is { } rpo)
        {
            activity?.SetTag("dataguard.drill.rpo", rpo);
        }

        if (!report.Passed && activity?.Status != System.Diagnostics.ActivityStatusCode.Error)
        {
            var failed = report.Checks.Where(c => !c.Passed).Select(c => c.Name).ToList();
            activity.Fail("check_failed", $"restore drill {report.Id} failed its checks: {string.Join(", ", failed)}");
        }

        _metrics.DrillFinished(kind, report.Passed, report.RtoSeconds, report.RpoSeconds);
        await _reports.SaveAsync(report, cancellationToken).ConfigureAwait(false);
        DrillLog.Finished(_logger, report.Id, report.Passed, report.BackupId ?? "-", report.RtoSeconds ?? -1, report.RpoSeconds ?? -1);
        return report;
    }
}
