namespace DataGuard.Backup;

/// <summary>What <see cref="BackupService.ForgetAsync"/> found in a backup folder, and whether it deleted it.</summary>
/// <param name="Id">The backup id.</param>
/// <param name="State"><c>unreadable</c> (a manifest that cannot be read or trusted) or <c>orphan</c> (no manifest).</param>
/// <param name="Reason">Why the backup cannot be used.</param>
/// <param name="Keys">The objects in the folder.</param>
/// <param name="Size">Their total size.</param>
/// <param name="Deleted">Whether they were deleted (only on confirmation).</param>
internal sealed record ForgetResult(string Id, string State, string Reason, IReadOnlyList<string> Keys, long Size, bool Deleted);
