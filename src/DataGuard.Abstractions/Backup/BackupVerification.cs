namespace DataGuard.Backup;

/// <summary>The outcome of one verification of a stored backup.</summary>
/// <param name="VerifiedAt">When it ended.</param>
/// <param name="Succeeded">Whether the backup is sound.</param>
/// <param name="Detail">What was checked, or what failed.</param>
/// <param name="DurationSeconds">How long it took.</param>
/// <param name="ArchiveEntries">The entries of the archive's table of contents, when it was read.</param>
public sealed record BackupVerification(DateTimeOffset VerifiedAt, bool Succeeded, string Detail, double DurationSeconds, int? ArchiveEntries);
