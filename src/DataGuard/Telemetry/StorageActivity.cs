using System.Diagnostics;
using DataGuard.Storage;

namespace DataGuard.Telemetry;

/// <summary>
/// Spans of the storage operations that are a unit of work of their own: writing an object (the whole upload) and
/// opening one for reading (the request, not the caller's reading of the stream). Listing, metadata lookups and
/// deletes are not traced: they are cheap, frequent, and their callers' spans cover them.
/// </summary>
internal static class StorageActivity
{
    /// <summary>Starts <c>dataguard.storage.write</c>.</summary>
    /// <param name="provider">The storage provider (FileSystem, S3).</param>
    /// <param name="key">The object's key (keys hold ids, never personal data).</param>
    /// <param name="options">The write's options.</param>
    /// <returns>The span, if anybody listens.</returns>
    private static Activity? StartWrite(string provider, string key, StorageWriteOptions options)
    {
        var activity = DataGuardActivitySource.Start("dataguard.storage.write");
        activity?.SetTag("dataguard.storage.provider", provider);
        activity?.SetTag("dataguard.storage.key", key);
        activity?.SetTag("dataguard.storage.write_once", options.WriteOnce);
        return activity;
    }

    /// <summary>Runs a provider's write under <c>dataguard.storage.write</c>: the stored size on success, the error on failure.</summary>
    /// <param name="provider">The storage provider (FileSystem, S3).</param>
    /// <param name="key">The object's key.</param>
    /// <param name="options">The write's options.</param>
    /// <param name="write">The provider's write.</param>
    /// <param name="tag">Provider-specific tags (the bucket), if any.</param>
    /// <returns>The write's result.</returns>
    public static async Task<StorageWriteResult> TraceWriteAsync(string provider, string key, StorageWriteOptions options, Func<Task<StorageWriteResult>> write, Action<Activity>? tag = null)
    {
        using var activity = StartWrite(provider, key, options);
        if (activity is not null)
        {
            tag?.Invoke(activity);
        }

        try
        {
            var result = await write().ConfigureAwait(false);
            activity?.SetTag("dataguard.storage.size", result.Size);
            return result;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    /// <summary>Starts <c>dataguard.storage.read</c>.</summary>
    /// <param name="provider">The storage provider (FileSystem, S3).</param>
    /// <param name="key">The object's key.</param>
    /// <param name="range">The byte range asked for, if any.</param>
    /// <returns>The span, if anybody listens.</returns>
    public static Activity? StartRead(string provider, string key, StorageByteRange? range)
    {
        var activity = DataGuardActivitySource.Start("dataguard.storage.read");
        activity?.SetTag("dataguard.storage.provider", provider);
        activity?.SetTag("dataguard.storage.key", key);
        if (range is not null)
        {
            activity?.SetTag("dataguard.storage.range.offset", range.Offset);
        }

        return activity;
    }
}
