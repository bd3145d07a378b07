using System.Collections.Concurrent;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>Wraps the host's real storage and counts the listings per prefix (everything else passes straight through).</summary>
internal sealed class CountingStorage(IBackupStorage inner) : IBackupStorage
{
    public ConcurrentQueue<string> Listings { get; } = new();

    public string ProviderName => inner.ProviderName;

    public string Location => inner.Location;

    /// <summary>Replaces the host's <see cref="IBackupStorage"/> with a counting wrapper around it.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IBackupStorage));
        services.Remove(original);
        services.AddSingleton(sp => new CountingStorage(
            original.ImplementationInstance as IBackupStorage
            ?? original.ImplementationFactory?.Invoke(sp) as IBackupStorage
            ?? (IBackupStorage)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
        services.AddSingleton<IBackupStorage>(sp => sp.GetRequiredService<CountingStorage>());
    }

    public int CountOf(string prefix) => Listings.Count(p => p.StartsWith(prefix, StringComparison.Ordinal));

    public Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default) => inner.WriteAsync(key, content, options, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, range, cancellationToken);

    public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        Listings.Enqueue(prefix);
        return inner.ListAsync(prefix, cancellationToken);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) => inner.DeleteManyAsync(keys, cancellationToken);

    public Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default) => inner.GetDownloadLinkAsync(key, lifetime, cancellationToken);

    public Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
}
