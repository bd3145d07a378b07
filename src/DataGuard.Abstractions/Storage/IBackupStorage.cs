namespace DataGuard.Storage;

/// <summary>
/// Where DataGuard keeps its archives, WAL segments, export artifacts and drill reports: a flat key space
/// (keys use <c>/</c> as separator) with atomic writes of streams of unknown length.
/// </summary>
/// <remarks>
/// Implementations: <c>FileSystemBackupStorage</c> (package DataGuard) and <c>S3BackupStorage</c> (package DataGuard.S3).
/// Every key is checked with <see cref="StorageKeys.Validate(string)"/>; a key that fails is an
/// <see cref="InvalidStorageKeyException"/>.
/// </remarks>
public interface IBackupStorage
{
    /// <summary>Gets the provider's name, as used in the <c>DataGuard:Storage:Provider</c> option.</summary>
    string ProviderName { get; }

    /// <summary>Gets a description of where objects live (for example <c>s3://bucket/prefix</c>), free of secrets.</summary>
    string Location { get; }

    /// <summary>
    /// Writes <paramref name="content"/> (read to its end, of any length, seekable or not) under <paramref name="key"/>.
    /// The object becomes visible only once it is completely written; a failed or cancelled write leaves nothing.
    /// </summary>
    /// <param name="key">The object key.</param>
    /// <param name="content">The bytes to write; read once, not disposed.</param>
    /// <param name="options">Write options, such as write-once.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left under the key.</param>
    /// <returns>The size and SHA-256 of the bytes written, computed while streaming.</returns>
    /// <exception cref="StorageObjectAlreadyExistsException">The key exists and <see cref="StorageWriteOptions.WriteOnce"/> is set.</exception>
    Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for reading, whole or a range of it.</summary>
    /// <param name="key">The object key.</param>
    /// <param name="range">The bytes to read; <see langword="null"/> for the whole object.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A stream the caller disposes.</returns>
    /// <exception cref="StorageObjectNotFoundException">No object has that key.</exception>
    Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>Gets an object's size and time of last modification, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="key">The object key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object's description, or <see langword="null"/>.</returns>
    Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Lists every object whose key starts with <paramref name="prefix"/>, in ordinal key order, following all pages.</summary>
    /// <param name="prefix">The key prefix; empty for all objects.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The objects, as they are read.</returns>
    IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes one object.</summary>
    /// <param name="key">The object key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when an object was deleted; <see langword="false"/> when none existed (where the provider can tell).</returns>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes many objects, in batches where the provider supports them.</summary>
    /// <param name="keys">The object keys.</param>
    /// <param name="cancellationToken">Cancels the remaining work.</param>
    /// <returns>How many keys were processed.</returns>
    Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Hands out a link that downloads the object for <paramref name="lifetime"/>.</summary>
    /// <param name="key">The object key.</param>
    /// <param name="lifetime">How long the link works (where the provider can limit it).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A presigned URL on S3; a <c>file://</c> URI (local only, no expiry) on disk.</returns>
    Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the storage works (put, get, list and delete a probe object) and which optional
    /// operations it supports. Never throws for a storage fault: the result says what failed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The outcome of each step and the capabilities found.</returns>
    Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default);
}
