using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataGuard.Supabase.Management;

/// <summary>
/// <c>dataguard-supabase</c>: Unhealthy when the project is not ACTIVE_HEALTHY or the platform's newest backup (or
/// recovery point, with PITR) is older than the RPO; Degraded when the Management API cannot be read or PITR falls short
/// of the 7-day target; Healthy without a configured token (nothing to check).
/// </summary>
internal sealed class SupabaseHealthCheck(SupabasePlatformStatus status) : IHealthCheck
{
    public const string Name = "dataguard-supabase";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!status.IsConfigured)
        {
            return HealthCheckResult.Healthy("The Management API is not configured (DataGuard:Supabase:ProjectRef and AccessToken): platform status not checked.");
        }

        SupabasePlatformReport report;
        try
        {
            report = await status.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SupabaseApiException ex)
        {
            return HealthCheckResult.Degraded($"The platform status could not be read: {ex.Message}");
        }

        var data = new Dictionary<string, object>
        {
            ["project_status"] = report.ProjectStatus ?? string.Empty,
            ["pitr_enabled"] = report.PitrEnabled,
        };
        if (report.LatestBackupAge is { } age)
        {
            data["latest_backup_age_seconds"] = age.TotalSeconds;
        }

        if (!report.Healthy)
        {
            return HealthCheckResult.Unhealthy(string.Join("; ", report.Problems), data: data);
        }

        return report.Warnings.Count > 0 && report.PitrEnabled
            ? HealthCheckResult.Degraded(string.Join("; ", report.Warnings), data: data)
            : HealthCheckResult.Healthy(report.Warnings.Count > 0 ? string.Join("; ", report.Warnings) : "The platform's backups meet the RPO.", data: data);
    }
}
