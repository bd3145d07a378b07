using System.IO.Pipelines;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>
/// Streams raw bytes through an <see cref="ArchiveCodec"/> into storage: a producer writes raw bytes into the codec,
/// whose output flows through a bounded pipe into <see cref="IBackupStorage.WriteAsync"/>. Shared by backups, WAL pushes and retention archives.
/// When the producer fails, the write fails with the producer's own exception and no object is left.
/// </summary>
internal static class EncodedUpload
{
    /// <summary>Writes one object whose raw bytes come from <paramref name="produce"/>; encrypted (when on) bound to its key, <c>object:&lt;key&gt;</c>.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="codec">Compression and encryption.</param>
    /// <param name="writeOptions">The write options (e.g. create-only).</param>
    /// <param name="produce">Writes the raw bytes into the codec.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left.</param>
    /// <returns>What was stored, and how many raw bytes went in.</returns>
    public static Task<(StorageWriteResult Written, long RawBytes)> WriteAsync(
        IBackupStorage storage,
        string key,
        ArchiveCodec codec,
        StorageWriteOptions writeOptions,
        Func<ArchiveWriter, CancellationToken, Task> produce,
        CancellationToken cancellationToken) =>
        WriteAsync(storage, key, ArchiveContexts.StorageObject(key), codec, writeOptions, produce, cancellationToken);

    /// <summary>Writes one object whose raw bytes come from <paramref name="produce"/>, encrypted (when on) bound to <paramref name="context"/>.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="context">What the archive is bound to (<see cref="ArchiveContexts"/>); a reader must expect the same.</param>
    /// <param name="codec">Compression and encryption.</param>
    /// <param name="writeOptions">The write options (e.g. create-only).</param>
    /// <param name="produce">Writes the raw bytes into the codec.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left.</param>
    /// <returns>What was stored, and how many raw bytes went in.</returns>
    public static Task<(StorageWriteResult Written, long RawBytes)> WriteAsync(
        IBackupStorage storage,
        string key,
        string context,
        ArchiveCodec codec,
        StorageWriteOptions writeOptions,
        Func<ArchiveWriter, CancellationToken, Task> produce,
        CancellationToken cancellationToken) =>
        WriteAsync(storage, key, context, codec, writeOptions, produce, storedCopy: null, cancellationToken);

    /// <summary>
    /// Writes one object whose raw bytes come from <paramref name="produce"/>, encrypted (when on) bound to
    /// <paramref name="context"/>, and copies the stored bytes into <paramref name="storedCopy"/> as the storage reads
    /// them (<see cref="BackupVerifier.StartWhileWriting"/>); the copy is completed at the end, or with the write's error.
    /// </summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="context">What the archive is bound to (<see cref="ArchiveContexts"/>); a reader must expect the same.</param>
    /// <param name="codec">Compression and encryption.</param>
    /// <param name="writeOptions">The write options (e.g. create-only).</param>
    /// <param name="produce">Writes the raw bytes into the codec.</param>
    /// <param name="storedCopy">Where the stored bytes are copied, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left.</param>
    /// <returns>What was stored, and how many raw bytes went in.</returns>
    public static async Task<(StorageWriteResult Written, long RawBytes)> WriteAsync(
        IBackupStorage storage,
        string key,
        string context,
        ArchiveCodec codec,
        StorageWriteOptions writeOptions,
        Func<ArchiveWriter, CancellationToken, Task> produce,
        PipeWriter? storedCopy,
        CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // At most about 8 segments of 128 KiB in flight: few enough that the shared array pool takes every one back, and
        // no more than the storage needs to stay busy (S3 buffers whole parts itself; 2 MiB before 2026-12-01).
        // (With 4 KiB segments and an 8 MiB threshold, ~2,000 were in flight and most were dropped as garbage: the heap
        // grew with the stored bytes, by ~60 MiB for a 200 MiB archive on a machine whose large cache makes gen0 large.)
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: 128 * 1024, useSynchronizationContext: false));
        var producing = ProduceAsync(codec, context, pipe.Writer, produce, linked.Token);
        var stored = pipe.Reader.AsStream(leaveOpen: true);
        var tee = storedCopy is null ? null : new DataGuard.IO.TeeReadStream(stored, storedCopy);
        StorageWriteResult written;
        try
        {
            written = await storage.WriteAsync(key, tee ?? stored, writeOptions, linked.Token).ConfigureAwait(false);
            await ThrowIfNotReadToTheEndAsync(pipe.Reader, storage, key, linked.Token).ConfigureAwait(false);
            if (tee is not null)
            {
                // Every byte was read; a storage that stopped after a short read without the final 0 has not ended it.
                await tee.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            if (tee is not null)
            {
                await tee.AbandonAsync(ex).ConfigureAwait(false);
            }

            await linked.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync(ex).ConfigureAwait(false);
            var producerFailure = await ObserveAsync(producing).ConfigureAwait(false);

            // When the producer failed first (pg_dump's own error), the storage only saw the broken stream: report the cause.
            if (producerFailure is not null && CausedBy(ex, producerFailure))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(producerFailure);
            }

            throw;
        }

        var raw = await producing.ConfigureAwait(false);
        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        return (written, raw);
    }

    /// <summary>Writes one object whose raw bytes a producer writes to a stream (an exporter, for example).</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="codec">Compression and encryption (or neither).</param>
    /// <param name="writeOptions">The write options.</param>
    /// <param name="produce">Writes the raw bytes to the stream it is given.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left.</param>
    /// <returns>What was stored, and how many raw bytes went in.</returns>
    public static Task<(StorageWriteResult Written, long RawBytes)> WriteStreamAsync(
        IBackupStorage storage,
        string key,
        ArchiveCodec codec,
        StorageWriteOptions writeOptions,
        Func<Stream, CancellationToken, Task> produce,
        CancellationToken cancellationToken) =>
        WriteAsync(storage, key, codec, writeOptions, (writer, ct) => produce(new ArchiveWriterStream(writer), ct), cancellationToken);

    private static async Task<long> ProduceAsync(ArchiveCodec codec, string context, PipeWriter output, Func<ArchiveWriter, CancellationToken, Task> produce, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var writer = codec.OpenWriter(output.AsStream(leaveOpen: true), context);
        try
        {
            await produce(writer, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
            return writer.RawBytes;
        }
        catch (Exception ex)
        {
            await output.CompleteAsync(ex).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A storage reports an object written only after reading its content to the end; one that stops early (a
    /// third-party <see cref="IBackupStorage"/>) would leave a short object described as complete, and the producer
    /// waiting on a full pipe. The short object is deleted (best effort: it is this write's own, create-only or not)
    /// and the write fails.
    /// </summary>
    private static async Task ThrowIfNotReadToTheEndAsync(PipeReader reader, IBackupStorage storage, string key, CancellationToken cancellationToken)
    {
        // What is left in the pipe: nothing, and the producer's end. The producer may still be finishing (a storage
        // that read the last byte without the read that returns 0): wait for its end, which the empty pipe cannot block.
        string? unread;
        try
        {
            var rest = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var ended = rest.IsCompleted && rest.Buffer.IsEmpty;
            unread = ended ? null : $"{rest.Buffer.Length}+ bytes unread";
            reader.AdvanceTo(rest.Buffer.Start);
        }
        catch (Exception)
        {
            // The producer failed (or the write was cancelled) after the storage reported the object written: the
            // object cannot be whole. The producer's error is the one to report.
            await TryDeleteAsync(storage, key).ConfigureAwait(false);
            throw;
        }

        if (unread is null)
        {
            return;
        }

        var outcome = await TryDeleteAsync(storage, key).ConfigureAwait(false);
        throw new StorageException($"The storage {storage.ProviderName} at {storage.Location} reported '{key}' written before reading its content to the end ({unread}): the object is incomplete; {outcome}.") { Key = key, Location = storage.Location, Operation = "storage.write" };
    }

    /// <summary>
    /// Deletes an object this write created that must not stay (incomplete). Under the storage contract it is this
    /// write's own: a create-only write that found the key taken fails instead of reporting success.
    /// </summary>
    private static async Task<string> TryDeleteAsync(IBackupStorage storage, string key)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await storage.DeleteAsync(key, timeout.Token).ConfigureAwait(false);
            return "it was deleted";
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or StackOverflowException))
        {
            // The write fails either way; an object left behind is an orphan without a manifest (a WAL segment left
            // behind is compared, and refused, on the next push).
            return $"deleting it failed too ({ex.GetType().Name}: {ex.Message}), so it is left as an orphan";
        }
    }

    private static bool CausedBy(Exception exception, Exception cause)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (ReferenceEquals(current, cause))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Exception?> ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
