using System.Globalization;
using Microsoft.Extensions.Options;

namespace DataGuard.Supabase.Management;

/// <summary>
/// The platform's side of a project's data protection, through the Management API: project health, the newest completed
/// platform backup against <see cref="SupabaseOptions.PlatformBackupRpo"/>, PITR and its window against the 7-day target,
/// and the PITR add-on. Also asks the platform for a PITR restore and follows the project until it is healthy again.
/// </summary>
internal sealed class SupabasePlatformStatus(SupabaseManagementClient client, IOptions<SupabaseOptions> options, TimeProvider time)
{
    /// <summary>The PITR window DataGuard aims for.</summary>
    public static readonly TimeSpan PitrTarget = TimeSpan.FromDays(7);

    public bool IsConfigured => client.IsConfigured;

    public async Task<SupabasePlatformReport> GetAsync(CancellationToken cancellationToken)
    {
        var project = await client.GetProjectAsync(cancellationToken).ConfigureAwait(false);
        var backups = await client.GetBackupsAsync(cancellationToken).ConfigureAwait(false);
        ManagementAddons? addons = null;
        var warnings = new List<string>();
        try
        {
            addons = await client.GetAddonsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SupabaseApiException ex) when (ex.StatusCode is 403 or 404)
        {
            warnings.Add($"add-ons not readable: {ex.Message}");
        }

        var now = time.GetUtcNow();
        var completed = (backups.Backups ?? []).Where(b => string.Equals(b.Status, "COMPLETED", StringComparison.OrdinalIgnoreCase) && b.InsertedAt is not null).ToList();
        var latest = completed.Count == 0 ? (DateTimeOffset?)null : completed.Max(b => b.InsertedAt!.Value);
        var earliestPoint = FromUnix(backups.PhysicalBackupData?.EarliestUnix);
        var latestPoint = FromUnix(backups.PhysicalBackupData?.LatestUnix);
        var pitrAddon = addons?.SelectedAddons?.FirstOrDefault(a => string.Equals(a.Type, "pitr", StringComparison.OrdinalIgnoreCase))?.Variant?.Id;
        int? pitrDays = pitrAddon is not null && pitrAddon.StartsWith("pitr_", StringComparison.Ordinal)
            && int.TryParse(pitrAddon["pitr_".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var days) ? days : null;

        var problems = new List<string>();
        if (!string.Equals(project.Status, "ACTIVE_HEALTHY", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"project status is {project.Status ?? "(none)"}, not ACTIVE_HEALTHY");
        }

        var rpo = options.Value.PlatformBackupRpo;
        if (backups.PitrEnabled)
        {
            // With PITR the platform keeps WAL rather than daily dumps: the recovery point is the newest archived WAL.
            if (latestPoint is null)
            {
                problems.Add("PITR is on but the platform reports no physical backup window");
            }
            else if (now - latestPoint.Value > rpo)
            {
                problems.Add($"the newest platform recovery point ({latestPoint.Value:u}) is older than {SupabaseOptions.SectionPath}:PlatformBackupRpo ({rpo})");
            }

            if (earliestPoint is not null && latestPoint is not null && latestPoint.Value - earliestPoint.Value < PitrTarget)
            {
                warnings.Add($"the PITR window is {(latestPoint.Value - earliestPoint.Value).TotalDays:F1} days, short of the {PitrTarget.TotalDays:F0}-day target{(pitrDays is null ? string.Empty : $" (add-on {pitrAddon}: {pitrDays} days)")}");
            }
        }
        else
        {
            if (latest is null)
            {
                problems.Add("the platform lists no completed backup");
            }
            else if (now - latest.Value > rpo)
            {
                problems.Add($"the newest completed platform backup ({latest.Value:u}) is older than {SupabaseOptions.SectionPath}:PlatformBackupRpo ({rpo})");
            }

            warnings.Add("PITR is off: the platform restores only to its daily backups, and none of them can be downloaded; DataGuard's own backups are the copy you hold");
        }

        return new SupabasePlatformReport
        {
            ProjectRef = client.ProjectRef,
            ProjectStatus = project.Status,
            DatabaseVersion = project.Database?.Version,
            Region = backups.Region ?? project.Region,
            PitrEnabled = backups.PitrEnabled,
            WalgEnabled = backups.WalgEnabled,
            PitrAddon = pitrAddon,
            PitrDays = pitrDays,
            CompletedBackups = completed.Count,
            LatestCompletedBackup = latest,
            LatestBackupAge = latest is null ? null : now - latest.Value,
            EarliestRecoveryPoint = earliestPoint,
            LatestRecoveryPoint = latestPoint,
            Problems = problems,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Asks the platform to restore the project to <paramref name="target"/> (PITR), then follows its status until it is
    /// ACTIVE_HEALTHY again after having left it, or failed.
    /// </summary>
    /// <param name="target">The recovery time.</param>
    /// <param name="pollInterval">How often to read the status.</param>
    /// <param name="timeout">How long at most to follow it.</param>
    /// <param name="cancellationToken">Cancels the wait (not the platform's restore).</param>
    /// <returns>The measured duration and the statuses seen.</returns>
    public async Task<SupabasePitrResult> RestorePitrAsync(DateTimeOffset target, TimeSpan pollInterval, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var backups = await client.GetBackupsAsync(cancellationToken).ConfigureAwait(false);
        if (!backups.PitrEnabled)
        {
            throw new SupabaseApiException($"Project {client.ProjectRef} has PITR off: the platform can restore it only to a daily backup (Dashboard, Database, Backups); nothing was asked.");
        }

        var earliest = FromUnix(backups.PhysicalBackupData?.EarliestUnix);
        var latest = FromUnix(backups.PhysicalBackupData?.LatestUnix);
        if ((earliest is not null && target < earliest) || (latest is not null && target > latest))
        {
            throw new SupabaseApiException($"{target:u} is outside the platform's recovery window ({earliest:u} to {latest:u}); nothing was asked.");
        }

        var started = time.GetTimestamp();
        await client.RestorePitrAsync(target, cancellationToken).ConfigureAwait(false);
        var seen = new List<string>();
        var left = false;
        while (true)
        {
            var status = (await client.GetProjectAsync(cancellationToken).ConfigureAwait(false)).Status ?? "(none)";
            if (seen.Count == 0 || seen[^1] != status)
            {
                seen.Add(status);
            }

            if (status.Contains("FAILED", StringComparison.OrdinalIgnoreCase))
            {
                throw new SupabaseApiException($"The platform's PITR restore of {client.ProjectRef} to {target:u} failed: status {status} (statuses seen: {string.Join(" -> ", seen)}).");
            }

            left |= !string.Equals(status, "ACTIVE_HEALTHY", StringComparison.OrdinalIgnoreCase);
            if (left && string.Equals(status, "ACTIVE_HEALTHY", StringComparison.OrdinalIgnoreCase))
            {
                return new SupabasePitrResult(target, time.GetElapsedTime(started), seen);
            }

            if (time.GetElapsedTime(started) > timeout)
            {
                throw new SupabaseApiException($"The platform's PITR restore of {client.ProjectRef} did not finish within {timeout} (statuses seen: {string.Join(" -> ", seen)}); it may still be running: check the dashboard.");
            }

            await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset? FromUnix(long? seconds) => seconds is null or 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds.Value);
}
