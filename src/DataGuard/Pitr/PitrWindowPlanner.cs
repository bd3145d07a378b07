using DataGuard.Backup;

namespace DataGuard.Pitr;

/// <summary>
/// Which base backups and WAL files the point-in-time window needs: every base backup that ended within the window,
/// the newest one that ended before it (recovery to the window's first moment starts there), and all WAL from that
/// backup's start on. Everything older can go.
/// </summary>
internal static class PitrWindowPlanner
{
    /// <summary>Decides which base backups to keep.</summary>
    /// <param name="physical">The physical backups.</param>
    /// <param name="windowDays">The window.</param>
    /// <param name="now">The current time.</param>
    /// <returns>A decision per backup, newest first.</returns>
    public static IReadOnlyList<BackupRetentionDecision> Plan(IReadOnlyList<BackupManifest> physical, int windowDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(physical);
        var cutoff = now.AddDays(-windowDays);
        var newestFirst = physical.OrderByDescending(b => b.CompletedAt).ToList();
        var anchor = newestFirst.FirstOrDefault(b => b.Status == BackupStatus.Verified && b.CompletedAt < cutoff);
        var newestVerified = newestFirst.FirstOrDefault(b => b.Status == BackupStatus.Verified);
        return [.. newestFirst.Select(b => new BackupRetentionDecision(b, b.CompletedAt >= cutoff
            ? $"base backup within the {windowDays}-day recovery window"
            : ReferenceEquals(b, anchor) ? $"base backup that recovery to the start of the {windowDays}-day window starts from"
            : ReferenceEquals(b, newestVerified) ? "newest verified base backup"
            : null))];
    }

    /// <summary>The archived WAL files that no kept base backup needs: on older timelines, or before the oldest kept base backup's start.</summary>
    /// <param name="files">The archived WAL files.</param>
    /// <param name="kept">The base backups kept.</param>
    /// <param name="segmentSize">The WAL segment size.</param>
    /// <returns>The files to delete (history files are always kept).</returns>
    public static IReadOnlyList<ArchivedWalFile> ExpiredWal(IEnumerable<ArchivedWalFile> files, IEnumerable<BackupManifest> kept, long segmentSize)
    {
        var oldest = kept.Where(b => b.Wal is not null && b.Status == BackupStatus.Verified).MinBy(b => Lsn.Parse(b.Wal!.StartLsn));
        if (oldest is null)
        {
            return [];
        }

        var timeline = oldest.Wal!.Timeline;
        var first = WalSegmentNumbers.OfLsn(Lsn.Parse(oldest.Wal.StartLsn), segmentSize);
        return [.. files.Where(f => !f.Name.EndsWith(".history", StringComparison.Ordinal) && IsBefore(f.Name, timeline, first, segmentSize))];
    }

    private static bool IsBefore(string name, int timeline, ulong firstSegment, long segmentSize)
    {
        var fileTimeline = int.Parse(name[..8], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return fileTimeline < timeline || (fileTimeline == timeline && WalSegmentNumbers.Of(name[..24], segmentSize) < firstSegment);
    }
}
