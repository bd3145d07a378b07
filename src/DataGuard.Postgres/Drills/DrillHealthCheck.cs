using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// The <c>dataguard-drill</c> health check: Unhealthy when the last restore drill failed, or when none passed within
/// <see cref="DrillOptions.MaxInterval"/>. A new deployment, whose oldest backup is younger than the interval, is
/// Degraded until its first drill (no drill was due yet).
/// </summary>
internal sealed class DrillHealthCheck : IHealthCheck
{
    /// <summary>The health check's name.</summary>
    public const string Name = "dataguard-drill";
    private readonly DrillService _drills;
    private readonly IOptions<DrillOptions> _options;
    private readonly TimeProvider _time;
    private readonly DataGuard.Backup.BackupService _backups;

    /// <summary>Initializes a new instance of the <see cref="DrillHealthCheck"/> class.</summary>
    /// <param name="drills">The drills.</param>
    /// <param name="options">The drill options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="backups">The backups (how long this deployment has had them).</param>
    public DrillHealthCheck(DrillService drills, IOptions<DrillOptions> options, TimeProvider time, DataGuard.Backup.BackupService backups)
    {
        _backups = backups;
        _drills = drills;
        _options = options;
        _time = time;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DrillReport> latest;
        try
        {
            latest = await _drills.ListAsync(1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DataGuardException or IOException)
        {
            return HealthCheckResult.Unhealthy($"The drill reports cannot be read: {ex.Message}", ex);
        }

        if (latest.Count == 0)
        {
            return await NoDrillYetAsync(cancellationToken).ConfigureAwait(false);
        }

        var last = latest[0];
        var data = new Dictionary<string, object>
        {
            ["drill"] = last.Id,
            ["passed"] = last.Passed,
            ["rtoSeconds"] = last.RtoSeconds ?? -1,
            ["rpoSeconds"] = last.RpoSeconds ?? -1,
        };
        if (!last.Passed)
        {
            return HealthCheckResult.Unhealthy($"The last restore drill ({last.Id}) failed: {last.Error ?? string.Join("; ", last.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}"))}", data: data);
        }

        var age = _time.GetUtcNow() - last.StartedAt;
        return age > _options.Value.MaxInterval
            ? HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The last restore drill passed {age.TotalDays:F0} days ago; at most {_options.Value.MaxInterval.TotalDays:F0} days are allowed."), data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"The last restore drill passed {age.TotalDays:F1} days ago (RTO {last.RtoSeconds:F0} s, RPO {last.RpoSeconds / 3600:F1} h)."), data);
    }

    private async Task<HealthCheckResult> NoDrillYetAsync(CancellationToken cancellationToken)
    {
        var catalog = await _backups.GetCatalogAsync(TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        var oldest = catalog.Backups.Where(b => b.Status == DataGuard.Backup.BackupStatus.Verified).MinBy(b => b.CompletedAt);
        if (oldest is null)
        {
            return HealthCheckResult.Unhealthy("No restore drill has run, and there is no verified backup to drill.");
        }

        var due = oldest.CompletedAt + _options.Value.MaxInterval;
        return due > _time.GetUtcNow()
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"No restore drill has run yet; the first is due by {due:u} (run `dataguard drill run`)."))
            : HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"No restore drill has run, although backups exist since {oldest.CompletedAt:u}: run `dataguard drill run`."));
    }
}
