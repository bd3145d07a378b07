namespace DataGuard.Pitr;

/// <summary>The state of the WAL archive: what can be restored, and any gaps.</summary>
/// <param name="Timelines">Each timeline's archived range and gaps.</param>
/// <param name="EarliestRestorableTime">The end of the oldest verified base backup: the earliest point a restore reaches.</param>
/// <param name="LatestRestorableTime">When the newest WAL segment was archived: about the latest point a restore reaches.</param>
/// <param name="BaseBackups">The verified base backups.</param>
internal sealed record WalArchiveStatus(IReadOnlyList<WalTimelineStatus> Timelines, DateTimeOffset? EarliestRestorableTime, DateTimeOffset? LatestRestorableTime, int BaseBackups)
{
    /// <summary>Gets a value indicating whether any timeline has a gap.</summary>
    public bool HasGaps => Timelines.Any(t => t.Gaps.Count > 0);
}
