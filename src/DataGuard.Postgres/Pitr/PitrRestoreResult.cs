namespace DataGuard.Postgres.Pitr;

/// <summary>The outcome of a point-in-time restore.</summary>
/// <param name="BaseBackupId">The base backup restored.</param>
/// <param name="DataDirectory">Where.</param>
/// <param name="Target">The target asked for.</param>
/// <param name="Started">Whether the server was started.</param>
/// <param name="ReachedLsn">The last WAL position replayed, when started.</param>
/// <param name="ReachedTime">The commit time of the last transaction replayed, when started and known.</param>
/// <param name="State">The server's state: <c>paused at target</c>, <c>promoted</c>, or <c>not started</c>.</param>
/// <param name="DurationSeconds">How long the restore and recovery took.</param>
internal sealed record PitrRestoreResult(
    string BaseBackupId,
    string DataDirectory,
    string Target,
    bool Started,
    string? ReachedLsn,
    DateTimeOffset? ReachedTime,
    string State,
    double DurationSeconds)
{
    /// <summary>Gets the segment that holds <see cref="ReachedLsn"/> (named on the timeline of <see cref="ArchiveEnd"/>), when started.</summary>
    public string? ReachedSegment { get; init; }

    /// <summary>
    /// Gets the newest archived segment when the restore began, on the timeline recovery follows: for the latest point,
    /// recovery reached it (a restore that stops before it fails with <see cref="PitrRecoveryIncompleteException"/>).
    /// </summary>
    public string? ArchiveEnd { get; init; }

    /// <summary>Gets how the copy was isolated, or <see langword="null"/> when it was not (<see cref="PitrRestoreRequest.Isolate"/>) or not started.</summary>
    public PitrIsolation? Isolation { get; init; }
}
