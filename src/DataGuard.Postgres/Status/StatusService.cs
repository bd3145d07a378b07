using System.Globalization;
using DataGuard.Pitr;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Status;

/// <summary>
/// Gathers DataGuard's state for <c>dataguard status</c>: the newest backup against the RPO, the PITR window, WAL
/// lag and gaps, the last drill, the last retention run, pending migrations and the export queue. A part that cannot
/// be read says why instead of hiding the others.
/// </summary>
internal sealed class StatusService
{
    private readonly Parts _parts;
    private readonly TimeProvider _time;
    private readonly HealthCheckService? _health;

    /// <summary>Initializes a new instance of the <see cref="StatusService"/> class.</summary>
    /// <param name="parts">The parts the report reads.</param>
    /// <param name="time">The clock.</param>
    /// <param name="health">The health checks (the backup, WAL and drill parts come from them), when the host has them.</param>
    internal StatusService(Parts parts, TimeProvider time, HealthCheckService? health = null)
    {
        _parts = parts;
        _time = time;
        _health = health;
    }

    /// <summary>Reads every part.</summary>
    /// <param name="migrationsDirectory">The migrations folder to compare with the ledger (default: <c>Migrations:Directory</c>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report.</returns>
    public async Task<StatusReport> ReadAsync(string? migrationsDirectory = null, CancellationToken cancellationToken = default)
    {
        var items = new List<StatusItem>();
        var checks = _health is null ? null : await _health.CheckHealthAsync(r => r.Tags.Contains("dataguard"), cancellationToken).ConfigureAwait(false);
        items.Add(FromHealth("backup", checks, DataGuard.Health.BackupHealthCheck.Name));
        if (_parts.Pitr.Value.Enabled)
        {
            items.Add(await PartAsync("pitr", PitrAsync, cancellationToken).ConfigureAwait(false));
            items.Add(FromHealth("wal", checks, DataGuard.Postgres.Health.WalArchiveHealthCheck.Name));
        }
        else
        {
            items.Add(new StatusItem("pitr", StatusState.Off, "point-in-time recovery is off (Pitr:Enabled)"));
        }

        items.Add(FromHealth("drill", checks, Drills.DrillHealthCheck.Name));
        items.Add(await PartAsync("retention", RetentionAsync, cancellationToken).ConfigureAwait(false));
        items.Add(await PartAsync("migrations", ct => MigrationsAsync(migrationsDirectory, ct), cancellationToken).ConfigureAwait(false));
        items.Add(await PartAsync("export", ExportAsync, cancellationToken).ConfigureAwait(false));
        return new StatusReport(_time.GetUtcNow(), items);
    }

    private static StatusItem FromHealth(string part, HealthReport? report, string name) =>
        report is null || !report.Entries.TryGetValue(name, out var entry)
            ? new StatusItem(part, StatusState.Off, "no health check registered")
            : new StatusItem(part, entry.Status switch { HealthStatus.Healthy => StatusState.Ok, HealthStatus.Degraded => StatusState.Warning, _ => StatusState.Failing }, entry.Description ?? entry.Status.ToString());

    private static async Task<StatusItem> PartAsync(string part, Func<CancellationToken, Task<StatusItem>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DataGuardException or Npgsql.NpgsqlException or IOException or InvalidOperationException)
        {
            return new StatusItem(part, StatusState.Failing, $"cannot be read: {ex.Message}");
        }
    }

    private async Task<StatusItem> PitrAsync(CancellationToken cancellationToken)
    {
        var status = await _parts.Wal.InspectAsync(WalArchiveInspector.ReportingListingAge, cancellationToken).ConfigureAwait(false);
        if (status.EarliestRestorableTime is not { } from || status.LatestRestorableTime is not { } to)
        {
            return new StatusItem("pitr", StatusState.Failing, "no restorable window: a base backup and the WAL after it are needed");
        }

        var window = string.Create(CultureInfo.InvariantCulture, $"restorable from {from:u} to {to:u} ({(to - from).TotalDays:F1} days, {status.BaseBackups} base backups)");
        return new StatusItem("pitr", status.HasGaps ? StatusState.Failing : StatusState.Ok, status.HasGaps ? window + "; the WAL archive has gaps" : window);
    }

    private async Task<StatusItem> RetentionAsync(CancellationToken cancellationToken)
    {
        var policies = _parts.Retention.Value.Policies;
        if (policies.Count == 0)
        {
            return new StatusItem("retention", StatusState.Off, "no retention policy configured");
        }

        var runs = await _parts.RetentionHistory.ReadAsync(10, cancellationToken).ConfigureAwait(false);
        var last = runs.FirstOrDefault(r => !r.DryRun);
        if (last is null)
        {
            return new StatusItem("retention", StatusState.Warning, $"{policies.Count} policies, never run");
        }

        var failed = last.Policies.Where(p => p.Error is not null).ToList();
        var text = string.Create(CultureInfo.InvariantCulture, $"last run {last.StartedAt:u}: {last.Policies.Sum(p => p.RowsAffected):N0} rows over {last.Policies.Count} policies");
        return failed.Count == 0
            ? new StatusItem("retention", StatusState.Ok, text)
            : new StatusItem("retention", StatusState.Failing, $"{text}; failed: {string.Join(", ", failed.Select(p => p.Policy))}");
    }

    private async Task<StatusItem> MigrationsAsync(string? directory, CancellationToken cancellationToken)
    {
        directory ??= _parts.Migrations.Value.Directory;
        if (!System.IO.Directory.Exists(directory))
        {
            return new StatusItem("migrations", StatusState.Off, $"no migrations folder at {directory}");
        }

        var rows = await _parts.Migrator.StatusAsync(DataGuard.Migrations.MigrationDirectory.Read(directory), cancellationToken).ConfigureAwait(false);
        var pending = rows.Count(r => r.State is "pending" or "rolledback");
        var drifted = rows.Count(r => r.Drifted);
        var dirty = rows.Count(r => r.State is "dirty" or "failed");
        var applied = rows.Where(r => r.State.StartsWith("applied", StringComparison.Ordinal)).Select(r => r.Version).DefaultIfEmpty().Max();
        var text = string.Create(CultureInfo.InvariantCulture, $"at version {applied}; {pending} pending, {drifted} drifted, {dirty} dirty");
        return new StatusItem("migrations", dirty + drifted > 0 ? StatusState.Failing : pending > 0 ? StatusState.Warning : StatusState.Ok, text);
    }

    private async Task<StatusItem> ExportAsync(CancellationToken cancellationToken)
    {
        var subject = _parts.Export.Value.Subject.Table;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return new StatusItem("export", StatusState.Off, "self-service export is not configured (Export:Subject)");
        }

        var stats = await _parts.ExportJobs.StatsAsync(cancellationToken).ConfigureAwait(false);
        var text = string.Create(CultureInfo.InvariantCulture, $"{stats.Pending} pending, {stats.Running} running, {stats.FailedLastDay} failed in 24 h; ready in p50 {Seconds(stats.P50)}, p95 {Seconds(stats.P95)}");
        var slow = stats.P95 > TimeSpan.FromMinutes(5);
        return new StatusItem("export", stats.FailedLastDay > 0 || slow ? StatusState.Warning : StatusState.Ok, text);
    }

    /// <summary>What the status report reads, injected as one dependency.</summary>
    internal sealed record Parts(
        IOptions<PitrOptions> Pitr,
        WalArchiveInspector Wal,
        IOptions<RetentionOptions> Retention,
        RetentionHistory RetentionHistory,
        IOptions<MigrationsOptions> Migrations,
        Migrator Migrator,
        IOptions<ExportOptions> Export,
        ExportJobs ExportJobs);

    private static string Seconds(TimeSpan? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:F1} s") : "-";
}
