using System.Globalization;
using DataGuard.Configuration;

namespace DataGuard.Backup;

/// <summary>Decides which backups retention keeps and why: a pure function of the catalog, the options and the time.</summary>
internal static class BackupRetentionPlanner
{
    /// <summary>Plans which backups to keep and which to delete.</summary>
    /// <param name="backups">The backups, any order.</param>
    /// <param name="options">The retention options.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Each backup with the reason it is kept, or null when it goes.</returns>
    public static IReadOnlyList<BackupRetentionDecision> Plan(IReadOnlyList<BackupManifest> backups, BackupRetentionOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(options);
        var newestFirst = backups.OrderByDescending(b => b.StartedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = newestFirst.ToDictionary(b => b.Id, _ => new List<string>(), StringComparer.Ordinal);
        var verified = newestFirst.Where(b => b.Status == BackupStatus.Verified).ToList();

        if (verified.Count > 0)
        {
            reasons[verified[0].Id].Add("newest verified backup");
        }

        foreach (var backup in verified.Take(options.MinimumCount))
        {
            reasons[backup.Id].Add($"one of the {options.MinimumCount} newest verified");
        }

        foreach (var backup in newestFirst.Where(b => now - b.StartedAt < TimeSpan.FromDays(options.Days)))
        {
            reasons[backup.Id].Add($"younger than {options.Days} days");
        }

        KeepNewestPer(verified, options.KeepDaily, b => b.StartedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "daily", reasons);
        KeepNewestPer(verified, options.KeepWeekly, b => $"{ISOWeek.GetYear(b.StartedAt.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(b.StartedAt.UtcDateTime):D2}", "weekly", reasons);
        KeepNewestPer(verified, options.KeepMonthly, b => b.StartedAt.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture), "monthly", reasons);

        return [.. newestFirst.Select(b => new BackupRetentionDecision(b, reasons[b.Id].Count == 0 ? null : string.Join("; ", reasons[b.Id].Distinct())))];
    }

    private static void KeepNewestPer(List<BackupManifest> newestFirst, int count, Func<BackupManifest, string> period, string name, Dictionary<string, List<string>> reasons)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in newestFirst)
        {
            if (seen.Count >= count)
            {
                return;
            }

            var key = period(backup);
            if (seen.Add(key))
            {
                reasons[backup.Id].Add($"{name} backup of {key}");
            }
        }
    }
}
