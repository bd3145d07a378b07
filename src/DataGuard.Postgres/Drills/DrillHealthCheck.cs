using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Drills;

/// <summary>The <c>dataguard-drill</c> health check: Unhealthy when the last restore drill failed, or when none passed within <see cref="DrillOptions.MaxInterval"/>.</summary>
public sealed class DrillHealthCheck : IHealthCheck
{
    /// <summary>The health check's name.</summary>
    public const string Name = "dataguard-drill";
    private readonly DrillService _drills;
    private readonly IOptions<DrillOptions> _options;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="DrillHealthCheck"/> class.</summary>
    /// <param name="drills">The drills.</param>
    /// <param name="options">The drill options.</param>
    /// <param name="time">The clock.</param>
    public DrillHealthCheck(DrillService drills, IOptions<DrillOptions> options, TimeProvider time)
    {
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
            return HealthCheckResult.Unhealthy("No restore drill has run: run `dataguard drill run`.");
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
}
