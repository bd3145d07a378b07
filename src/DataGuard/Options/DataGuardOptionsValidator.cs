using DataGuard.DependencyInjection;
using DataGuard.Scheduling;
using Microsoft.Extensions.Options;

namespace DataGuard.Options;

/// <summary>Checks <see cref="DataGuardOptions"/> at start-up; every message names the option's configuration path.</summary>
internal sealed class DataGuardOptionsValidator(IEnumerable<StorageProviderRegistration> storageProviders) : IValidateOptions<DataGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, DataGuardOptions options)
    {
        var failures = new List<string>();
        ValidateStorage(options.Storage, failures);
        ValidateBackup(options.Backup, failures);
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
