using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// Keeps a running parallel backup's folder fresh for prune: a small object under the folder, rewritten under a new
/// name (the previous one deleted) every <c>OrphanGracePeriod / 4</c>, at most every 15 minutes. A parallel backup may
/// store nothing for hours while one worker dumps a large table; without it, its folder would look like the orphan of
/// a failed backup once the grace period has passed since its last stored object.
/// </summary>
internal sealed class BackupHeartbeat : IAsyncDisposable
{
    /// <summary>The name prefix of heartbeat objects in a backup's folder.</summary>
    public const string NamePrefix = "running-";

    private readonly IBackupStorage _storage;
    private readonly string _backupId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string? _current;
    private long _sequence;

    private BackupHeartbeat(IBackupStorage storage, string backupId, string first, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _storage = storage;
        _current = first;
        _backupId = backupId;
        _time = time;
        _loop = LoopAsync(interval, _stop.Token);
    }

    /// <summary>The interval for a grace period: a quarter of it, at most 15 minutes, at least one second.</summary>
    /// <param name="orphanGracePeriod">DataGuard:Backup:Retention:OrphanGracePeriod.</param>
    /// <returns>The interval.</returns>
    public static TimeSpan IntervalFor(TimeSpan orphanGracePeriod)
    {
        var quarter = orphanGracePeriod / 4;
        return quarter > TimeSpan.FromMinutes(15) ? TimeSpan.FromMinutes(15) : quarter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : quarter;
    }

    /// <summary>Writes the first heartbeat and starts rewriting it.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="backupId">The running backup.</param>
    /// <param name="interval">How often.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where a failed beat is reported.</param>
    /// <param name="cancellationToken">Cancels the first write.</param>
    /// <returns>The running heartbeat; dispose it to stop and delete it.</returns>
    public static async Task<BackupHeartbeat> StartAsync(IBackupStorage storage, string backupId, TimeSpan interval, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var first = $"{StorageLayout.BackupFolder(backupId)}{NamePrefix}0.json";
        await WriteAsync(storage, first, time, cancellationToken).ConfigureAwait(false);
        return new BackupHeartbeat(storage, backupId, first, interval, time, logger);
    }

    /// <summary>Stops the heartbeat and deletes its object.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        if (_current is { } last)
        {
            try
            {
                await _storage.DeleteAsync(last, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Left behind, it is pruned with the folder (an expired backup) or as part of an orphan.
            }
        }

        _stop.Dispose();
    }

    private static async Task WriteAsync(IBackupStorage storage, string key, TimeProvider time, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"{{\"running\":true,\"at\":\"{time.GetUtcNow():O}\"}}"));
        await storage.WriteAsync(key, content, StorageWriteOptions.CreateOnly with { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
    }

    private async Task LoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            var next = $"{StorageLayout.BackupFolder(_backupId)}{NamePrefix}{Interlocked.Increment(ref _sequence)}.json";
            try
            {
                await WriteAsync(_storage, next, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // A missed beat: the next one tries again; the manifest check before the end catches what prune took.
                BackupLog.HeartbeatFailed(_logger, _backupId, next, ex);
                continue;
            }

            var previous = _current;
            _current = next;
            if (previous is not null)
            {
                try
                {
                    await _storage.DeleteAsync(previous, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // A stale beat left behind only keeps the folder fresh a little longer; it goes with the folder.
                }
            }
        }
    }
}
