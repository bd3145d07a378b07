using System.Buffers;
using DataGuard.IO;
using Microsoft.Win32.SafeHandles;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// Feeds a restore folder's named pipes from storage, each when pg_restore opens it: pg_restore -Fd opens a table's
/// data file by name (<c>fopen</c>, read to its end) when it restores that table, so one loop waits for readers on all
/// pending pipes without blocking (an open for writing without O_NONBLOCK would block until the reader comes) and
/// streams the object into the pipe that was opened. Nothing of the backup is copied to local disk. When an object
/// cannot be read or fails its check, pg_restore is stopped first (<c>abort</c>), and only then is the pipe closed,
/// so it never sees the end of a file that was cut short.
/// </summary>
internal sealed class ObjectPipeFeeder(string folder, IReadOnlyList<BackupObject> objects, Func<BackupObject, CancellationToken, Task<Stream>> open, Action abort)
{
    private const int BufferSize = 1024 * 1024;
    private Exception? _failure;
    private volatile bool _completed;
    private long _bytes;

    /// <summary>Gets the first failure to read an object (not a pipe pg_restore closed), or <see langword="null"/>.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Gets the raw bytes fed so far.</summary>
    public long BytesFed => Interlocked.Read(ref _bytes);

    /// <summary>Stops waiting for pipes nobody opened (pg_restore has ended).</summary>
    public void Complete() => _completed = true;

    /// <summary>Runs until every pipe was fed, or <see cref="Complete"/> is called, or it is cancelled.</summary>
    /// <param name="cancellationToken">Stops waiting and feeding.</param>
    /// <returns>A task that fails when a feed failed.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pending = objects.ToList();
        var feeds = new List<Task>();
        while (pending.Count > 0 && !_completed && !cancellationToken.IsCancellationRequested)
        {
            for (var i = pending.Count - 1; i >= 0; i--)
            {
                SafeFileHandle? handle;
                try
                {
                    handle = NativeFifo.TryOpenWriter(Path.Combine(folder, pending[i].Name));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // pg_restore would wait forever in fopen() on a pipe nobody feeds: stop it before anything else.
                    var failure = new DataGuardException($"The restore could not open the named pipe for the object {pending[i].Key} ({pending[i].Name}) in {folder}: {ex.Message} pg_restore was stopped.", ex) { Operation = "restore" };
                    Fail(failure);
                    await ObserveAsync(feeds).ConfigureAwait(false);
                    throw failure;
                }

                if (handle is not null)
                {
                    feeds.Add(FeedAsync(pending[i], handle, cancellationToken));
                    pending.RemoveAt(i);
                }
            }

            try
            {
                // A few thousand tables at most are polled ten times a second; a handful, a hundred times.
                await Task.Delay(pending.Count > 256 ? 100 : 10, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(feeds).ConfigureAwait(false);
    }

    private async Task FeedAsync(BackupObject item, SafeFileHandle handle, CancellationToken cancellationToken)
    {
        await Task.Yield();
        FileStream? pipe = null;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            pipe = new FileStream(handle, FileAccess.Write, bufferSize: 0);
            var raw = await open(item, cancellationToken).ConfigureAwait(false);
            await using (raw.ConfigureAwait(false))
            {
                int read;
                while ((read = await raw.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    try
                    {
                        await pipe.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException)
                    {
                        // pg_restore closed the pipe (it failed or was stopped): its exit code tells.
                        return;
                    }

                    Interlocked.Add(ref _bytes, read);
                }
            }
        }
        catch (Exception ex)
        {
            // Stop pg_restore before the pipe closes: the end of a cut-short file must never reach it.
            var failure = ex is ArchiveIntegrityException integrity && !ex.Message.Contains(item.Key, StringComparison.Ordinal)
                ? new ArchiveIntegrityException(integrity.Problem, $"The object {item.Key} ({item.Name}): {ex.Message}", ex) { BackupId = integrity.BackupId }
                : ex;
            Fail(failure);
            if (ReferenceEquals(failure, ex))
            {
                throw;
            }

            throw failure;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            try
            {
                if (pipe is null)
                {
                    handle.Dispose();
                }
                else
                {
                    await pipe.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (IOException)
            {
                // Broken pipe on close: pg_restore's exit code tells.
            }
        }
    }

    /// <summary>Records the first failure and stops pg_restore (before any pipe is closed).</summary>
    private void Fail(Exception failure)
    {
        Interlocked.CompareExchange(ref _failure, failure, null);
        abort();
    }

    private static async Task ObserveAsync(List<Task> feeds)
    {
        try
        {
            await Task.WhenAll(feeds).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The first failure is reported; these were stopped with pg_restore.
        }
    }
}
