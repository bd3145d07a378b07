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

    /// <summary>Pushes everything in the spool once.</summary>
    /// <param name="spool">The spool folder.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="cancellationToken">Stops between files (a file being pushed is finished or left in the spool).</param>
    /// <returns>The files archived, and those that failed (still in the spool).</returns>
    public async Task<(int Archived, int Failed)> RunOnceAsync(string spool, int parallelism = 4, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spool);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var files = Directory.EnumerateFiles(spool)
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
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
                await _archive.PushAsync(file, ct).ConfigureAwait(false);
                File.Delete(file);
                archived();
            }
            catch (Exception ex) when (ex is DataGuardException or IOException or UnauthorizedAccessException)
            {
                failed();
                PitrLog.SpoolPushFailed(_logger, Path.GetFileName(file), ex.Message);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Pushes the spool until cancelled, looking again every <paramref name="interval"/> when it is empty.</summary>
    /// <param name="spool">The spool folder.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="interval">The wait between passes that found nothing.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that ends when cancelled.</returns>
    public async Task RunAsync(string spool, int parallelism, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var (archived, failed) = await RunOnceAsync(spool, parallelism, cancellationToken).ConfigureAwait(false);
            if (archived == 0 || failed > 0)
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
