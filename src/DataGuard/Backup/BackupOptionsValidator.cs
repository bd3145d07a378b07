using DataGuard.Scheduling;
using Microsoft.Extensions.Options;

namespace DataGuard.Backup;

/// <summary>Checks <see cref="BackupOptions"/> at start-up; every message names the option's configuration path.</summary>
internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var failures = new List<string>();
        ValidateBackup(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateBackup(BackupOptions backup, List<string> failures)
    {
        const string path = BackupOptions.SectionPath;
        if (!string.IsNullOrWhiteSpace(backup.Schedule))
        {
            try
            {
                CronSchedule.Parse(backup.Schedule, "UTC");   // the zone is DataGuard:TimeZone, checked with it
            }
            catch (FormatException ex)
            {
                failures.Add($"{path}:Schedule: {ex.Message}");
            }
        }

        ValidateCompressionAndEncryption(backup, failures);
        ParallelDump.ParallelBackupOptionsCheck.Validate(backup, path, failures);
        if (backup.Retry.Attempts < 1)
        {
            failures.Add($"{path}:Retry:Attempts must be at least 1 (is {backup.Retry.Attempts}).");
        }

        if (backup.Retry.InitialDelay < TimeSpan.Zero)
        {
            failures.Add($"{path}:Retry:InitialDelay must not be negative.");
        }

        if (backup.Rpo <= TimeSpan.Zero)
        {
            failures.Add($"{path}:Rpo must be positive (is {backup.Rpo}).");
        }

        if (backup.HealthCatalogCacheDuration < TimeSpan.Zero || backup.HealthCatalogCacheDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"{path}:HealthCatalogCacheDuration must be between 0 and 1 hour (is {backup.HealthCatalogCacheDuration}).");
        }

        var retention = backup.Retention;
        if (retention.KeepDaily < 0 || retention.KeepWeekly < 0 || retention.KeepMonthly < 0)
        {
            failures.Add($"{path}:Retention:KeepDaily, KeepWeekly and KeepMonthly must not be negative.");
        }

        if (backup.Retention.Days < 1)
        {
            failures.Add($"{path}:Retention:Days must be at least 1 (is {backup.Retention.Days}).");
        }

        if (backup.Retention.MinimumCount < 0)
        {
            failures.Add($"{path}:Retention:MinimumCount must not be negative (is {backup.Retention.MinimumCount}).");
        }
    }

    private static void ValidateCompressionAndEncryption(BackupOptions backup, List<string> failures)
    {
        const string path = BackupOptions.SectionPath;
        var compression = backup.Compression;
        if (!string.Equals(compression.Algorithm, "Zstd", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(compression.Algorithm, "None", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{path}:Compression:Algorithm must be Zstd or None (is '{compression.Algorithm}').");
        }

        if (compression.Level is < 1 or > 19)
        {
            failures.Add($"{path}:Compression:Level must be between 1 and 19 (is {compression.Level}).");
        }

        if (compression.Threads is < 0 or > 64)
        {
            failures.Add($"{path}:Compression:Threads must be between 0 (one per core) and 64 (is {compression.Threads}).");
        }

        try
        {
            Encryption.EncryptionKeyRingFactory.Create(backup.Encryption);
        }
        catch (FormatException ex)
        {
            failures.Add(ex.Message);
        }
    }
}
