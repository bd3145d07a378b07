using DataGuard.Backup;
using DataGuard.Configuration;
using Microsoft.Extensions.Options;

namespace DataGuard.Pitr;

/// <summary>
/// Finds gaps in the WAL archive between the oldest base backup and the newest segment, per timeline, and the restorable
/// window. Readers that only report (health checks, <c>dataguard status</c>, the dashboard) may share a listing a few
/// seconds old (<see cref="ReportingListingAge"/>), so that one status page lists the archive once, not once per part.
/// </summary>
internal sealed class WalArchiveInspector
{
    /// <summary>How old a listing the reporting readers accept: one page load or one status report lists the archive once.</summary>
    public static readonly TimeSpan ReportingListingAge = TimeSpan.FromSeconds(5);

    private readonly WalArchive _archive;
    private readonly BackupService _backups;
    private readonly PitrOptions _options;
    private readonly TimeProvider _time;
    private Listing? _recent;

    /// <summary>Initializes a new instance of the <see cref="WalArchiveInspector"/> class.</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="backups">The backups.</param>
    /// <param name="options">The options.</param>
    /// <param name="time">The clock (the age of a shared listing); the system clock when absent.</param>
    public WalArchiveInspector(WalArchive archive, BackupService backups, IOptions<PitrOptions> options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _archive = archive;
        _backups = backups;
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Gets the WAL segment size the archive is read with.</summary>
    public long SegmentSize => _options.WalSegmentSize;

    /// <summary>Reads the archive's state from a fresh listing.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The timelines, their gaps, and the restorable window.</returns>
    public Task<WalArchiveStatus> InspectAsync(CancellationToken cancellationToken = default) => InspectAsync(TimeSpan.Zero, cancellationToken);

    /// <summary>Lists the archived WAL files, reusing a listing finished at most <paramref name="maxAge"/> ago.</summary>
    /// <param name="maxAge">How old a listing may be (<see cref="TimeSpan.Zero"/>: always list).</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The archived files.</returns>
    public async Task<IReadOnlyList<ArchivedWalFile>> ListAsync(TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (maxAge > TimeSpan.Zero && Volatile.Read(ref _recent) is { } recent && now >= recent.ListedAt && now - recent.ListedAt <= maxAge)
        {
            return recent.Files;
        }

        var files = new List<ArchivedWalFile>();
        await foreach (var file in _archive.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            files.Add(file);
        }

        // Aged from when the listing ended, so that a listing slower than maxAge (a large bucket) is still shared by one page load.
        Volatile.Write(ref _recent, new Listing(_time.GetUtcNow(), files));
        return files;
    }

    /// <summary>Reads the archive's state, from a listing finished at most <paramref name="maxAge"/> ago.</summary>
    /// <param name="maxAge">How old the listing may be (<see cref="TimeSpan.Zero"/>: a fresh one; <see cref="ReportingListingAge"/> for reports).</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The timelines, their gaps, and the restorable window.</returns>
    public async Task<WalArchiveStatus> InspectAsync(TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        var size = _options.WalSegmentSize;
        var segments = new Dictionary<string, SortedSet<ulong>>(StringComparer.Ordinal);
        DateTimeOffset? newest = null;
        foreach (var file in await ListAsync(maxAge, cancellationToken).ConfigureAwait(false))
        {
            if (!WalFileName.IsSegment(file.Name))
            {
                continue;
            }

            var timeline = file.Name[..8];
            if (!segments.TryGetValue(timeline, out var set))
            {
                segments[timeline] = set = [];
            }

            set.Add(WalSegmentNumbers.Of(file.Name, size));
            newest = newest is null || file.ArchivedAt > newest ? file.ArchivedAt : newest;
        }

        var catalog = maxAge > TimeSpan.Zero
            ? await _backups.GetCatalogAsync(maxAge, cancellationToken).ConfigureAwait(false)
            : await _backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        var bases = catalog.Backups.Where(b => b.Kind == "physical" && b.Status == BackupStatus.Verified && b.Wal is not null).ToList();
        var timelines = new List<WalTimelineStatus>();
        foreach (var (timeline, set) in segments.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var oldestBase = bases.Where(b => b.Wal!.Timeline == int.Parse(timeline, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))
                .Select(b => WalSegmentNumbers.OfLsn(Lsn.Parse(b.Wal!.StartLsn), size))
                .DefaultIfEmpty(set.Min)
                .Min();
            var first = Math.Min(oldestBase, set.Max);
            var gaps = new List<WalGap>();
            ulong? gapStart = null;
            for (var n = first; n <= set.Max; n++)
            {
                if (!set.Contains(n))
                {
                    gapStart ??= n;
                }
                else if (gapStart is { } start)
                {
                    gaps.Add(new WalGap(WalSegmentNumbers.Name(timeline, start, size), WalSegmentNumbers.Name(timeline, n - 1, size), n - start));
                    gapStart = null;
                }
            }

            timelines.Add(new WalTimelineStatus(timeline, WalSegmentNumbers.Name(timeline, first, size), WalSegmentNumbers.Name(timeline, set.Max, size), set.Count, gaps));
        }

        var earliest = bases.Count == 0 ? (DateTimeOffset?)null : bases.Min(b => b.CompletedAt);
        return new WalArchiveStatus(timelines, earliest, newest, bases.Count);
    }

    private sealed record Listing(DateTimeOffset ListedAt, IReadOnlyList<ArchivedWalFile> Files);
}
