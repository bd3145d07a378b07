namespace DataGuard.Pitr;

/// <summary>
/// The resident archivers' scheduling loop: a file is started as soon as one of the parallel slots is free (no pass waits
/// for its slowest file), in the order the source lists them; the source is looked at again every interval when nothing
/// new is there; a file whose push failed is tried again a second later. A source that cannot be listed (its folder gone
/// for a while, a data directory re-created in place) is reported once and looked at again every second: the loop goes on.
/// </summary>
internal static class WalPushLoop
{
    /// <summary>Runs until cancelled.</summary>
    /// <param name="pending">The files waiting to be pushed, in push order (called once per pass).</param>
    /// <param name="tryPush">Pushes one file; <see langword="false"/> when it failed (it is tried again a second later).</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="interval">The wait between looks at a source with nothing new.</param>
    /// <param name="time">The clock.</param>
    /// <param name="listFailed">Told when the source cannot be listed (once, until it can again).</param>
    /// <param name="cancellationToken">Stops the loop once the pushes under way have ended.</param>
    /// <returns>A task that ends when cancelled.</returns>
    public static async Task RunAsync(
        Func<IEnumerable<string>> pending,
        Func<string, CancellationToken, Task<bool>> tryPush,
        int parallelism,
        TimeSpan interval,
        TimeProvider time,
        Action<Exception> listFailed,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var running = new Dictionary<string, Task<bool>>(StringComparer.Ordinal);
        var retryAt = new Dictionary<string, long>(StringComparer.Ordinal);
        var listFailing = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = time.GetTimestamp();
                foreach (var (done, pushed) in running.Where(r => r.Value.IsCompleted).ToList())
                {
                    running.Remove(done);
                    if (!pushed.Result)
                    {
                        retryAt[done] = now + time.TimestampFrequency;   // failed: tried again a second later
                    }
                }

                var started = 0;
                var listed = true;
                try
                {
                    foreach (var file in pending())
                    {
                        if (running.Count >= parallelism)
                        {
                            break;
                        }

                        if (running.ContainsKey(file) || (retryAt.TryGetValue(file, out var at) && now < at))
                        {
                            continue;
                        }

                        retryAt.Remove(file);
                        running[file] = StartAsync(tryPush, file, cancellationToken);
                        started++;
                    }

                    listFailing = false;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    listed = false;
                    if (!listFailing)
                    {
                        listFailing = true;
                        listFailed(ex);
                    }
                }

                var delay = !listed ? Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)
                    : started == 0 || running.Count >= parallelism ? Task.Delay(interval, time, cancellationToken) : Task.CompletedTask;
                await Task.WhenAny(running.Values.Append(delay)).ConfigureAwait(false);
            }
        }
        finally
        {
            await Task.WhenAll(running.Values).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static async Task<bool> StartAsync(Func<string, CancellationToken, Task<bool>> tryPush, string file, CancellationToken cancellationToken)
    {
        await Task.Yield();   // the loop goes on listing while this file is read and compressed
        return await tryPush(file, cancellationToken).ConfigureAwait(false);
    }
}
