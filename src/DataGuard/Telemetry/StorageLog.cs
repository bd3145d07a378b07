using Microsoft.Extensions.Logging;

namespace DataGuard.Telemetry;

/// <summary>Storage log messages; event ids 1100-1199.</summary>
internal static partial class StorageLog
{
    /// <summary>An object was written.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="provider">The storage provider.</param>
    /// <param name="key">The key.</param>
    /// <param name="size">Its size in bytes.</param>
    [LoggerMessage(DataGuardEventIds.StorageObjectWritten, LogLevel.Debug, "{Provider} storage wrote {Key} ({Size} bytes)")]
    public static partial void ObjectWritten(ILogger logger, string provider, string key, long size);

    /// <summary>An object was deleted.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="provider">The storage provider.</param>
    /// <param name="key">The key.</param>
    [LoggerMessage(DataGuardEventIds.StorageObjectDeleted, LogLevel.Debug, "{Provider} storage deleted {Key}")]
    public static partial void ObjectDeleted(ILogger logger, string provider, string key);

    /// <summary>A multipart upload could not be aborted.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="key">The key.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.StorageAbortMultipartFailed, LogLevel.Warning, "Could not abort the multipart upload of {Key}: {Reason}; the server keeps its parts until a lifecycle rule removes them")]
    public static partial void AbortMultipartFailed(ILogger logger, string key, string reason);

    /// <summary>The server ignored a conditional write.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="location">The storage location.</param>
    [LoggerMessage(DataGuardEventIds.StorageConditionalWriteUnsupported, LogLevel.Warning, "Storage {Location} ignores conditional writes (If-None-Match); write-once falls back to check-then-write, which is racy")]
    public static partial void ConditionalWriteUnsupported(ILogger logger, string location);

    /// <summary>A batch delete was refused and single deletes are used.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.StorageBatchDeleteFallback, LogLevel.Information, "Batch delete refused by the server ({Reason}); deleting objects one by one")]
    public static partial void BatchDeleteFallback(ILogger logger, string reason);

    /// <summary>A large object's upload uses parts larger than configured, so that it fits in the parts S3 allows.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="expectedMiB">Its expected size, in MiB.</param>
    /// <param name="partMiB">The part size used, in MiB.</param>
    /// <param name="configuredMiB">The configured part size, in MiB.</param>
    /// <param name="concurrency">How many parts upload at once.</param>
    /// <param name="bufferMiB">The most memory its part buffers take, in MiB.</param>
    [LoggerMessage(DataGuardEventIds.StoragePartSizeRaised, LogLevel.Information, "Uploading {Key} (expected about {ExpectedMiB} MiB) in parts of {PartMiB} MiB instead of {ConfiguredMiB} MiB so that it fits in 10,000 parts, {Concurrency} at once; its part buffers take up to {BufferMiB} MiB")]
    public static partial void PartSizeRaised(ILogger logger, string key, long expectedMiB, int partMiB, int configuredMiB, int concurrency, long bufferMiB);
}
