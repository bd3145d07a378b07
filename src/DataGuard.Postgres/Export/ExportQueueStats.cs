namespace DataGuard.Postgres.Export;

/// <summary>The export queue now, and how fast the last day's requests became ready.</summary>
/// <param name="Pending">Jobs waiting for a worker.</param>
/// <param name="Running">Jobs a worker is building.</param>
/// <param name="FailedLastDay">Jobs failed in the last day.</param>
/// <param name="P50">The median request-to-ready time over the last day.</param>
/// <param name="P95">The 95th percentile request-to-ready time over the last day.</param>
internal sealed record ExportQueueStats(long Pending, long Running, long FailedLastDay, TimeSpan? P50, TimeSpan? P95);
