namespace DataGuard.Backup;

/// <summary>How an archive is compressed.</summary>
/// <param name="Algorithm">The algorithm: <c>zstd</c> or <c>none</c>.</param>
/// <param name="Level">The level.</param>
public sealed record BackupCompression(string Algorithm, int Level);
