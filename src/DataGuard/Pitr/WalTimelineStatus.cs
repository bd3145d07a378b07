namespace DataGuard.Pitr;

/// <summary>One timeline of the WAL archive.</summary>
/// <param name="Timeline">The timeline, 8 hexadecimal digits.</param>
/// <param name="First">The first segment checked (the oldest base backup's start, or the first archived).</param>
/// <param name="Last">The newest archived segment.</param>
/// <param name="Segments">How many segments are archived on it.</param>
/// <param name="Gaps">Missing segments, as first-last ranges.</param>
internal sealed record WalTimelineStatus(string Timeline, string First, string Last, int Segments, IReadOnlyList<WalGap> Gaps);
