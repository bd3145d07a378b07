using DataGuard.Storage;

namespace DataGuard.Testing;

/// <summary>
/// A storage that passes every call to <paramref name="inner"/>: tests derive from it and override only the calls they
/// count, delay or fail (a real storage underneath, never a mock of one).
/// </summary>
/// <param name="inner">The real storage.</param>
public class DelegatingStorage(IBackupStorage inner) : IBackupStorage
{
    /// <summary>The wrapped storage.</summary>
    protected IBackupStorage Inner { get; } = inner;

    public string ProviderName => Inner.ProviderName;

    public string Location => Inner.Location;

    public virtual Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default) => Inner.WriteAsync(key, content, options, cancellationToken);

    public virtual Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default) => Inner.OpenReadAsync(key, range, cancellationToken);

    public virtual Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => Inner.GetInfoAsync(key, cancellationToken);

    public virtual IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => Inner.ListAsync(prefix, cancellationToken);

    public virtual Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Inner.DeleteAsync(key, cancellationToken);

    public virtual Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) => Inner.DeleteManyAsync(keys, cancellationToken);

    public virtual Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default) => Inner.GetDownloadLinkAsync(key, lifetime, cancellationToken);

    public virtual Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default) => Inner.ProbeAsync(cancellationToken);
}
