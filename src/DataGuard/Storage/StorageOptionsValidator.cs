using DataGuard.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Storage;

/// <summary>Checks <see cref="StorageOptions"/> at start-up; every message names the option's configuration path.</summary>
internal sealed class StorageOptionsValidator(IEnumerable<StorageProviderRegistration> storageProviders) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        ValidateStorage(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateStorage(StorageOptions storage, List<string> failures)
    {
        const string path = StorageOptions.SectionPath;
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
}
