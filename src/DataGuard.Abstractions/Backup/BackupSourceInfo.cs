namespace DataGuard.Backup;

/// <summary>What a backup is of.</summary>
/// <param name="Database">The database name.</param>
/// <param name="Server">The server, as <c>host:port</c>.</param>
/// <param name="ServerVersion">The server's version.</param>
/// <param name="ToolVersions">The tools used and their versions, such as <c>pg_dump: 15.18</c>.</param>
/// <param name="TableRowCounts">Rows per qualified table, counted in the same snapshot as the backup.</param>
public sealed record BackupSourceInfo(
    string Database,
    string Server,
    string ServerVersion,
    IReadOnlyDictionary<string, string> ToolVersions,
    IReadOnlyDictionary<string, long> TableRowCounts)
{
    /// <summary>Gets the WAL positions of a physical backup; <see langword="null"/> for a logical one.</summary>
    public WalPositions? Wal { get; init; }

    /// <summary>
    /// Gets an estimate of the raw archive's size in bytes (the database's or cluster's size on disk), when the provider
    /// knows one; <see langword="null"/> otherwise. Passed to the storage as <see cref="Storage.StorageWriteOptions.ExpectedLength"/>
    /// so that stores uploading in parts choose parts large enough. Not a limit.
    /// </summary>
    public long? EstimatedSize { get; init; }
}
