namespace DataGuard.Backup;

/// <summary>A backup folder with data but no manifest.</summary>
/// <param name="Id">The backup id (the folder's name).</param>
/// <param name="Keys">The storage keys in it.</param>
/// <param name="Size">Their total size.</param>
/// <param name="LastModified">When the newest of them was written.</param>
public sealed record OrphanedBackup(string Id, IReadOnlyList<string> Keys, long Size, DateTimeOffset LastModified);
