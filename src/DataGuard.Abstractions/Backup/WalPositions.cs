namespace DataGuard.Backup;

/// <summary>Where a physical (base) backup starts and ends in the write-ahead log.</summary>
/// <param name="StartLsn">The WAL position the backup starts from (recovery begins here).</param>
/// <param name="StopLsn">The WAL position the backup is consistent at.</param>
/// <param name="Timeline">The timeline.</param>
/// <param name="SystemIdentifier">The cluster's system identifier: WAL of another cluster does not fit.</param>
public sealed record WalPositions(string StartLsn, string StopLsn, int Timeline, string SystemIdentifier);
