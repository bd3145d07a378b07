using DataGuard.Backup;
using DataGuard.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.Health;

/// <summary>
/// The health check <c>dataguard-backup</c>: Healthy when the newest verified backup is younger than the RPO plus
/// slack; Degraded when such a backup exists but this host's last run failed, or a backup's manifest cannot be read
/// (it is quarantined and waits for an operator); Unhealthy otherwise.
/// </summary>
internal sealed class BackupHealthCheck : IHealthCheck
{
    /// <summary>The check's registration name.</summary>
    public const string Name = "dataguard-backup";

    private readonly BackupService _backups;
    private readonly BackupRunState _state;
    private readonly BackupOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="BackupHealthCheck"/> class.</summary>
    /// <param name="backups">The backup service.</param>
    /// <param name="state">This host's run outcomes.</param>
    /// <param name="options">The options.</param>
    /// <param name="time">The clock.</param>
    public BackupHealthCheck(BackupService backups, BackupRunState state, IOptions<BackupOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _backups = backups;
        _state = state;
        _options = options.Value;
        _time = time;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        BackupCatalog catalog;
        try
        {
            catalog = await _backups.GetCatalogAsync(_options.HealthCatalogCacheDuration, cancellationToken).ConfigureAwait(false);
        }
        catch (DataGuardException ex)
        {
            return HealthCheckResult.Unhealthy($"The backup catalog cannot be read: {ex.Message}", ex);
        }

        var limit = _options.Rpo + _options.RpoSlack;
        var newest = catalog.NewestVerified;
        var data = new Dictionary<string, object>
        {
            ["rpo"] = _options.Rpo.ToString(),
            ["backups"] = catalog.Backups.Count,
            ["orphans"] = catalog.Orphans.Count,
            ["unreadable"] = catalog.Unreadable.Count,
        };
        var quarantined = catalog.Unreadable.Count == 0
            ? string.Empty
            : $" {catalog.Unreadable.Count} backup(s) have a manifest that cannot be read and are quarantined, kept until an operator decides: {string.Join(", ", catalog.Unreadable.Take(3).Select(u => u.Id))}{(catalog.Unreadable.Count > 3 ? ", ..." : string.Empty)} (dataguard backup list).";
        if (newest is null)
        {
            return HealthCheckResult.Unhealthy("No verified backup exists." + quarantined, data: data);
        }

        var age = _time.GetUtcNow() - newest.CompletedAt;
        data["newestVerified"] = newest.Id;
        data["age"] = age.ToString(@"d\.hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
        if (age > limit)
        {
            return HealthCheckResult.Unhealthy($"The newest verified backup {newest.Id} is {age.TotalHours:F1} h old, beyond the RPO of {_options.Rpo.TotalHours:F0} h (+{_options.RpoSlack.TotalHours:F0} h slack)." + quarantined, data: data);
        }

        if (quarantined.Length > 0)
        {
            return HealthCheckResult.Degraded($"The newest verified backup {newest.Id} is {age.TotalHours:F1} h old, within the RPO; but{quarantined}", data: data);
        }

        if (_state.LastRunFailed)
        {
            data["lastError"] = _state.LastError ?? string.Empty;
            return HealthCheckResult.Degraded($"The last backup run failed ({_state.LastError}); the newest verified backup {newest.Id} is {age.TotalHours:F1} h old, within the RPO.", data: data);
        }

        return HealthCheckResult.Healthy($"The newest verified backup {newest.Id} is {age.TotalHours:F1} h old (RPO {_options.Rpo.TotalHours:F0} h).", data);
    }
}
