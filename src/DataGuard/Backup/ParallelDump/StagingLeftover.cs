namespace DataGuard.Backup.ParallelDump;

/// <summary>A staging folder found on disk.</summary>
/// <param name="Path">Its path.</param>
/// <param name="OwnerProcessId">The process that made it, when its name says.</param>
/// <param name="Owner">Whether that process still runs.</param>
/// <param name="Bytes">What its files hold.</param>
internal sealed record StagingLeftover(string Path, int? OwnerProcessId, StagingOwner Owner, long Bytes);
