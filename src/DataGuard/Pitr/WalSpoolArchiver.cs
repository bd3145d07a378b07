using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Pitr;

/// <summary>
/// Asynchronous WAL archiving: <c>archive_command</c> only copies each segment into a local spool folder (a shell
/// command, no process start per segment), and this archiver, resident next to PostgreSQL
/// (<c>dataguard wal archiver --spool DIR</c>), pushes the spooled files to storage in parallel, oldest first, and
/// deletes each only once it is durable in storage. A file that fails stays for the next pass. Files whose names
/// start with a dot are copies still being written and are left alone.
/// </summary>
internal sealed class WalSpoolArchiver
{
    private readonly WalArchive _archive;
    private readonly ILogger<WalSpoolArchiver> _logger;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _warnedStrays = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="WalSpoolArchiver"/> class.</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock (the wait between passes).</param>
    public WalSpoolArchiver(WalArchive archive, ILogger<WalSpoolArchiver> logger, TimeProvider time)
    {
        _archive = archive;
        _logger = logger;
        _time = time;
    }

    /// <summary>
    /// The <c>archive_command</c> that hands a segment to the spool: copy to a <c>.</c>-prefixed name, fsync it, rename it
    /// into place, fsync the folder; it exits 0 only once the segment is durable in the spool, non-zero when the spool
    /// cannot be written. A segment already spooled succeeds only when its content is the same (a retry after a crash:
    /// the folder is synced again); a different segment under that name fails, so PostgreSQL keeps it. A copy,
    /// never a hard link: PostgreSQL recycles archived segments by renaming and overwriting them in place.
    /// </summary>
    /// <param name="spool">The spool folder (single-quoted for the shell, % doubled for PostgreSQL).</param>
    /// <returns>The command, with PostgreSQL's <c>%p</c> and <c>%f</c>.</returns>
    public static string ArchiveCommand(string spool)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spool);
        var folder = Path.GetFullPath(spool).TrimEnd('/');
        var s = PostgresShellQuoting.Quote(folder.Length == 0 ? "/" : folder);

        // $$ (the shell's pid) keeps two attempts from sharing a temporary copy; a failed copy is removed. The folder and
        // the name are set once: PostgreSQL 15 runs at most 1,023 bytes of the command (PostgresShellQuoting.FitArchiveCommand).
        return PostgresShellQuoting.FitArchiveCommand(
            $"s={s}; f=%f; t=\"$s/.$f.$$\"; if test -f \"$s/$f\"; then cmp -s %p \"$s/$f\" && sync \"$s\"; " +
            "else { cp %p \"$t\" && sync \"$t\" && mv -f \"$t\" \"$s/$f\" && sync \"$s\"; } || { rm -f \"$t\"; false; }; fi");
    }

    /// <summary>Pushes everything in the spool once.</summary>
    /// <param name="spool">The spool folder.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="cancellationToken">Stops between files (a file being pushed is finished or left in the spool).</param>
    /// <returns>The files archived, and those that failed (still in the spool).</returns>
    public async Task<(int Archived, int Failed)> RunOnceAsync(string spool, int parallelism = 4, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spool);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var files = SpooledFiles(spool).ToList();
        var archived = 0;
        var failed = 0;
        if (files.Count == 0)
        {
            return (0, 0);   // no span for an idle pass: the resident archiver looks every second
        }

        using var activity = DataGuardActivitySource.Start("dataguard.wal.spool.pass");
        activity?.SetTag("dataguard.wal.spool.files", files.Count);
        try
        {
            await PushAllAsync(files, parallelism, () => Interlocked.Increment(ref archived), () => Interlocked.Increment(ref failed), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
        finally
        {
            activity?.SetTag("dataguard.wal.spool.archived", archived);
            activity?.SetTag("dataguard.wal.spool.failed", failed);
        }

        if (failed > 0)
        {
            activity.Fail("push_failed", $"{failed} of {files.Count} spooled WAL files were not archived and stay in the spool");
        }

        return (archived, failed);
    }

    private async Task PushAllAsync(List<string> files, int parallelism, Action archived, Action failed, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            try
            {
                await PushOneAsync(file, parallelism, ct).ConfigureAwait(false);
                archived();
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                // Any failure of one file (not only storage and I/O) leaves that file in the spool and the others going.
                failed();
                PitrLog.SpoolPushFailed(_logger, Path.GetFileName(file), ex.Message);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Pushes the spool until cancelled: a file is started as soon as one of the <paramref name="parallelism"/> slots is
    /// free (no pass waits for its slowest file), oldest first; the spool is looked at again every
    /// <paramref name="interval"/> when nothing new is there. A file that fails stays and is tried again a second later.
    /// </summary>
    /// <param name="spool">The spool folder.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="interval">The wait between looks at a spool with nothing new.</param>
    /// <param name="cancellationToken">Stops the loop; a file being pushed stays in the spool unless its push completed.</param>
    /// <returns>A task that ends when cancelled.</returns>
    public Task RunAsync(string spool, int parallelism, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spool);
        return WalPushLoop.RunAsync(() => SpooledFiles(spool), (file, ct) => TryPushAsync(file, parallelism, ct), parallelism, interval, _time, ex => PitrLog.ArchiverListFailed(_logger, ex.Message), cancellationToken);
    }

    private async Task<bool> TryPushAsync(string file, int parallelism, CancellationToken cancellationToken)
    {
        try
        {
            await PushOneAsync(file, parallelism, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;   // stopped: the file stays in the spool for the next start
        }
        catch (Exception ex)
        {
            // Any failure of one file ends only that attempt: the file stays and is tried again, the loop goes on.
            PitrLog.SpoolPushFailed(_logger, Path.GetFileName(file), ex.Message);
            return false;
        }
    }

    /// <summary>
    /// The files to push, oldest first: names starting with a dot (copies being written) are left alone, and so are
    /// names PostgreSQL never archives (a stray <c>README</c>), with a warning once per name.
    /// </summary>
    private IEnumerable<string> SpooledFiles(string spool)
    {
        foreach (var file in Directory.EnumerateFiles(spool).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.'))
            {
                continue;
            }

            if (!WalFileName.IsValid(name))
            {
                bool first;
                lock (_warnedStrays)
                {
                    first = _warnedStrays.Add(name);
                }

                if (first)
                {
                    PitrLog.SpoolStrayFileSkipped(_logger, name, spool);
                }

                continue;
            }

            yield return file;
        }
    }

    /// <summary>Pushes one spooled file and deletes it only once the push says it is durable in storage (or was already archived with the same content).</summary>
    private async Task PushOneAsync(string file, int parallelism, CancellationToken cancellationToken)
    {
        // Files go in parallel, so each is compressed on one thread: no zstd worker pool per 16 MiB segment.
        await _archive.PushAsync(file, parallelism > 1 ? 1 : null, cancellationToken).ConfigureAwait(false);
        File.Delete(file);
    }
}
