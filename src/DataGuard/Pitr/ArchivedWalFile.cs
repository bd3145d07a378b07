namespace DataGuard.Pitr;

/// <summary>One archived WAL file.</summary>
/// <param name="Name">The WAL file's name.</param>
/// <param name="Key">Its storage key.</param>
/// <param name="StoredSize">The stored size.</param>
/// <param name="ArchivedAt">When it was stored.</param>
internal sealed record ArchivedWalFile(string Name, string Key, long StoredSize, DateTimeOffset ArchivedAt);
