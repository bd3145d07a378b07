using DataGuard.Storage;
using DataGuard.Configuration;

namespace DataGuard.DependencyInjection;

/// <summary>Picks the storage provider from <c>DataGuard:Storage:Provider</c> and the registered providers.</summary>
internal static class StorageProviderSelector
{
    /// <summary>The named provider; when no name is configured, the last registered one other than FileSystem, else FileSystem.</summary>
    public static StorageProviderRegistration? Select(string? configured, IEnumerable<StorageProviderRegistration> registrations)
    {
        var list = registrations.ToList();
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return list.LastOrDefault(r => string.Equals(r.Name, configured, StringComparison.OrdinalIgnoreCase));
        }

        return list.LastOrDefault(r => !string.Equals(r.Name, StorageOptions.FileSystemProvider, StringComparison.OrdinalIgnoreCase))
            ?? list.LastOrDefault();
    }
}
