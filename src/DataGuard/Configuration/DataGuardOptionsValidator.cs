using DataGuard.DependencyInjection;
using DataGuard.Scheduling;
using Microsoft.Extensions.Options;

namespace DataGuard.Configuration;

/// <summary>Checks <see cref="DataGuardOptions"/> at start-up; every message names the option's configuration path.</summary>
internal sealed class DataGuardOptionsValidator(IEnumerable<StorageProviderRegistration> storageProviders) : IValidateOptions<DataGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, DataGuardOptions options)
    {
        var failures = new List<string>();
        ValidateStorage(options.Storage, failures);
        ValidateBackup(options.Backup, failures);
        ValidatePitr(options.Pitr, options.Backup.TimeZone, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateStorage(StorageOptions storage, List<string> failures)
    {
        const string path = "DataGuard:Storage";
        var registrations = storageProviders.ToList();
        var known = registrations.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var provider = StorageProviderSelector.Select(storage.Provider, registrations)?.Name;
        if (provider is null)
        {
            var hint = string.Equals(storage.Provider, "S3", StringComparison.OrdinalIgnoreCase)
                ? " Add the package DataGuard.S3 and call AddS3Storage() on the DataGuard builder."
                : string.Empty;
            failures.Add($"{path}:Provider '{storage.Provider}' is not a registered storage provider; known providers: {string.Join(", ", known)}.{hint}");
            return;
        }

        if (string.Equals(provider, StorageOptions.FileSystemProvider, StringComparison.OrdinalIgnoreCase)
            && string.IsNullOrWhiteSpace(storage.FileSystem.Root))
        {
            failures.Add($"{path}:FileSystem:Root is required when {path}:Provider is FileSystem.");
        }

        if (IO.PrivateFiles.CheckFileMode(storage.FileSystem.FileMode) is { } fileMode)
        {
            failures.Add($"{path}:FileSystem:FileMode: {fileMode}.");
        }

        if (IO.PrivateFiles.CheckDirectoryMode(storage.FileSystem.DirectoryMode) is { } directoryMode)
        {
            failures.Add($"{path}:FileSystem:DirectoryMode: {directoryMode}.");
        }
    }

    private static void ValidatePitr(PitrOptions pitr, string timeZone, List<string> failures)
    {
        const string path = "DataGuard:Pitr";
        if (pitr.WindowDays < 1)
        {
            failures.Add($"{path}:WindowDays must be at least 1 (is {pitr.WindowDays}).");
        }

        if (pitr.MaxArchiveLag <= TimeSpan.Zero)
        {
            failures.Add($"{path}:MaxArchiveLag must be positive.");
        }

        var size = pitr.WalSegmentSize;
        if (size < 1024 * 1024 || size > 1024L * 1024 * 1024 || (size & (size - 1)) != 0)
        {
            failures.Add($"{path}:WalSegmentSize must be a power of two between 1 MiB and 1 GiB (is {size}).");
        }

        if (pitr.Enabled && !string.IsNullOrWhiteSpace(pitr.BaseBackupSchedule))
        {
            try
            {
                CronSchedule.Parse(pitr.BaseBackupSchedule, timeZone);
            }
            catch (FormatException ex)
            {
                failures.Add($"{path}:BaseBackupSchedule: {ex.Message}");
            }
        }
    }

    private static void ValidateCompressionAndEncryption(BackupOptions backup, List<string> failures)
    {
        const string path = "DataGuard:Backup";
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
            Backup.Encryption.EncryptionKeyRingFactory.Create(backup.Encryption);
        }
        catch (FormatException ex)
        {
            failures.Add(ex.Message);
        }
    }

    private static void ValidateBackup(BackupOptions backup, List<string> failures)
    {
        const string path = "DataGuard:Backup";
        if (!string.IsNullOrWhiteSpace(backup.Schedule))
        {
            try
            {
                CronSchedule.Parse(backup.Schedule, backup.TimeZone);
            }
            catch (FormatException ex)
            {
                failures.Add($"{path}:Schedule / {path}:TimeZone: {ex.Message}");
            }
        }

        ValidateCompressionAndEncryption(backup, failures);
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
}
