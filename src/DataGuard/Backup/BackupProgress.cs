namespace DataGuard.Backup;

/// <summary>How far a backup, verification or restore has got.</summary>
/// <param name="Phase">What is being done: <c>backup</c>, <c>verify</c>, <c>checksum</c> or <c>restore</c>.</param>
/// <param name="Bytes">Bytes processed so far.</param>
/// <param name="TotalBytes">The total, when known.</param>
public sealed record BackupProgress(string Phase, long Bytes, long? TotalBytes);
