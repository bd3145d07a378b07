using System.Globalization;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Pitr;

/// <summary>
/// The background prefetcher of <c>restore_command</c> (<c>dataguard wal prefetch</c>, started by the first
/// <c>dataguard wal fetch</c> of a recovery): keeps the next <see cref="PitrOptions.WalPrefetch"/> segments after the
/// one recovery last took downloaded, verified and decompressed in the <see cref="WalPrefetchSpool"/>, with
/// <see cref="PitrOptions.WalPrefetchConcurrency"/> downloads at a time, through the same verified fetch as
/// <c>wal fetch</c> (checksums, authentication, the refusal of unencrypted objects). It only ever adds a file that
/// fetch would have written; a segment it cannot get (not archived yet, storage down, corrupt) is simply not there,
/// and recovery's own <c>wal fetch</c> of it decides and reports. Segments are keyed by their full name (timeline
/// included) and archived objects are write-once, so a prefetched file is what a fetch of that name returns now.
/// It stops, removing the spool, when recovery ends (no <c>recovery.signal</c> / <c>standby.signal</c>), the server
/// stops, recovery asks for nothing for <see cref="PitrOptions.WalPrefetchIdleTimeout"/>, or it is cancelled.
/// </summary>
internal sealed class WalPrefetcher
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private readonly WalArchive _archive;
    private readonly PitrOptions _options;
    private readonly ILogger<WalPrefetcher> _logger;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="WalPrefetcher"/> class.</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="options">The options (how far ahead, how many at a time, idle timeout, segment size).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock.</param>
    public WalPrefetcher(WalArchive archive, IOptions<PitrOptions> options, ILogger<WalPrefetcher> logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _archive = archive;
        _options = options.Value;
        _logger = logger;
        _time = time;
    }

    /// <summary>Prefetches until recovery ends, then removes the spool.</summary>
    /// <param name="spool">The spool of the data directory in recovery.</param>
    /// <param name="from">The segment recovery asked for when the prefetcher was started.</param>
    /// <param name="cancellationToken">Stops the prefetcher (it still removes its spool).</param>
    /// <returns>Why it stopped and what it did, or <see langword="null"/> when another prefetcher already serves this spool.</returns>
    public async Task<string?> RunAsync(WalPrefetchSpool spool, string from, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spool);
        if (!WalFileName.IsSegment(from))
        {
            throw new ArgumentException($"'{from}' is not the name of a WAL segment.", nameof(from));
        }

        spool.CreateRoot();
        FileStream held;
        try
        {
            held = new FileStream(spool.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;   // another prefetcher holds the lock
        }

        var state = new State(from[..8], WalSegmentNumbers.Of(from, _options.WalSegmentSize), spool.ReadRequest(), _time.GetTimestamp());
        string reason;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using (held.ConfigureAwait(false))
        {
            try
            {
                held.SetLength(0);
                await held.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false);
                await held.FlushAsync(cancellationToken).ConfigureAwait(false);
                Reset(spool);
                PitrLog.PrefetchStarted(_logger, from, _options.WalPrefetch, _options.WalPrefetchConcurrency);
                reason = await LoopAsync(spool, state, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                reason = "stopped";
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(state.InFlight.Values.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);

                // While the lock is still held: a prefetcher that starts next finds no half-removed spool. The lock
                // file itself stays (see WalPrefetchSpool.LockPath).
                Remove(spool);
            }
        }

        PitrLog.PrefetchStopped(_logger, reason, state.Prefetched, state.Consumed);
        return $"{reason}; {state.Prefetched} segments prefetched, {state.Consumed} taken by recovery; spool removed";
    }

    private async Task<string> LoopAsync(WalPrefetchSpool spool, State state, CancellationToken cancellationToken)
    {
        var ahead = (ulong)_options.WalPrefetch;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!spool.IsRecovering())
            {
                return "recovery ended or the server stopped";
            }

            FollowRequest(spool, state);
            FollowConsumption(spool, state);
            Complete(state);
            DropUnwanted(spool, state, ahead);
            Schedule(spool, state, ahead, cancellationToken);
            if (_time.GetElapsedTime(state.LastActivity) > _options.WalPrefetchIdleTimeout)
            {
                return "idle";
            }

            var delay = Task.Delay(Poll, _time, cancellationToken);
            await Task.WhenAny(state.InFlight.Values.Append(delay)).ConfigureAwait(false);
        }
    }

    private void FollowRequest(WalPrefetchSpool spool, State state)
    {
        // A fetch that missed the spool: recovery is at that segment (maybe on another timeline, maybe back after a restart).
        var request = spool.ReadRequest();
        if (request is null || request == state.LastRequest)
        {
            return;
        }

        state.LastRequest = request;
        var name = request.Split('\n')[0];
        if (WalFileName.IsSegment(name))
        {
            state.Timeline = name[..8];
            state.Position = WalSegmentNumbers.Of(name, _options.WalSegmentSize);
            state.BlockedFrom = ulong.MaxValue;
            state.LastActivity = _time.GetTimestamp();
        }
    }

    private void FollowConsumption(WalPrefetchSpool spool, State state)
    {
        foreach (var name in state.Ready.Where(n => !File.Exists(Path.Combine(spool.Segments, n))).ToList())
        {
            state.Ready.Remove(name);
            state.Consumed++;
            state.LastActivity = _time.GetTimestamp();
            var number = WalSegmentNumbers.Of(name, _options.WalSegmentSize);
            if (name.StartsWith(state.Timeline, StringComparison.Ordinal) && number > state.Position)
            {
                state.Position = number;
            }
        }
    }

    private void Complete(State state)
    {
        foreach (var (name, task) in state.InFlight.Where(t => t.Value.IsCompleted).ToList())
        {
            state.InFlight.Remove(name);
            switch (task.Result)
            {
                case Outcome.Fetched:
                    state.Prefetched++;
                    state.Ready.Add(name);
                    break;
                default:
                    // Not archived (yet), or it failed: try again later, and nothing past it before then.
                    var number = WalSegmentNumbers.Of(name, _options.WalSegmentSize);
                    if (name.StartsWith(state.Timeline, StringComparison.Ordinal) && number < state.BlockedFrom)
                    {
                        state.BlockedFrom = number;
                    }

                    state.BlockedUntil = _time.GetTimestamp() + (long)(RetryAfter.TotalSeconds * _time.TimestampFrequency);
                    break;
            }
        }
    }

    private void DropUnwanted(WalPrefetchSpool spool, State state, ulong ahead)
    {
        foreach (var name in state.Ready.Where(n => !Wanted(state, n, ahead)).ToList())
        {
            state.Ready.Remove(name);
            File.Delete(Path.Combine(spool.Segments, name));
        }
    }

    private bool Wanted(State state, string name, ulong ahead)
    {
        var number = WalSegmentNumbers.Of(name, _options.WalSegmentSize);
        return name.StartsWith(state.Timeline, StringComparison.Ordinal) && number > state.Position && number <= state.Position + ahead;
    }

    private void Schedule(WalPrefetchSpool spool, State state, ulong ahead, CancellationToken cancellationToken)
    {
        var blocked = _time.GetTimestamp() < state.BlockedUntil;
        if (!blocked)
        {
            state.BlockedFrom = ulong.MaxValue;
        }

        for (var k = 1UL; k <= ahead && state.InFlight.Count < _options.WalPrefetchConcurrency; k++)
        {
            var number = state.Position + k;
            if (blocked && number >= state.BlockedFrom)
            {
                break;
            }

            var name = WalSegmentNumbers.Name(state.Timeline, number, _options.WalSegmentSize);
            if (!state.Ready.Contains(name) && !state.InFlight.ContainsKey(name))
            {
                state.InFlight[name] = FetchAsync(spool, name, cancellationToken);
            }
        }
    }

    private async Task<Outcome> FetchAsync(WalPrefetchSpool spool, string name, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var pending = spool.PendingPath(name);
        try
        {
            // While this marker is there, restore_command's fast path waits for the file instead of starting a fetch of its own.
            File.Create(pending).Dispose();
            await _archive.FetchAsync(name, Path.Combine(spool.Segments, name), durable: false, cancellationToken).ConfigureAwait(false);
            return Outcome.Fetched;
        }
        catch (WalSegmentNotFoundException)
        {
            return Outcome.NotFound;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Outcome.Failed;
        }
        catch (Exception ex)
        {
            PitrLog.PrefetchFailed(_logger, name, ex.Message.ReplaceLineEndings(" "));
            return Outcome.Failed;
        }
        finally
        {
            File.Delete(pending);
        }
    }

    /// <summary>A fresh start: nothing from an earlier prefetcher (killed, or of an earlier boot) is kept.</summary>
    private static void Reset(WalPrefetchSpool spool)
    {
        // The previous prefetcher removed the folder once it let go of the lock this one now holds.
        spool.CreateRoot();
        foreach (var folder in Directory.EnumerateDirectories(spool.Root))
        {
            Directory.Delete(folder, recursive: true);
        }

        // Only the last level: a data directory deleted meanwhile must not come back (see WalPrefetchSpool.CreateRoot).
        if (!Directory.Exists(spool.Root))
        {
            throw new DirectoryNotFoundException($"{spool.Root} is gone (the data directory was removed): there is no recovery to prefetch for.");
        }

        Directory.CreateDirectory(spool.Segments);
    }

    /// <summary>Removes the spool (segments, request, folder), never the lock file next to it (see <see cref="WalPrefetchSpool.LockPath"/>).</summary>
    private static void Remove(WalPrefetchSpool spool)
    {
        try
        {
            if (Directory.Exists(spool.Segments))
            {
                Directory.Delete(spool.Segments, recursive: true);
            }

            File.Delete(spool.RequestPath);
            Directory.Delete(spool.Root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A new prefetcher may already be starting in it; it resets the spool itself.
        }
    }

    private enum Outcome
    {
        Fetched,
        NotFound,
        Failed,
    }

    private sealed class State(string timeline, ulong position, string? lastRequest, long now)
    {
        public string Timeline { get; set; } = timeline;

        public ulong Position { get; set; } = position;

        public string? LastRequest { get; set; } = lastRequest;

        public long LastActivity { get; set; } = now;

        public ulong BlockedFrom { get; set; } = ulong.MaxValue;

        public long BlockedUntil { get; set; }

        public int Prefetched { get; set; }

        public int Consumed { get; set; }

        public HashSet<string> Ready { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Task<Outcome>> InFlight { get; } = new(StringComparer.Ordinal);
    }
}
