namespace DataGuard.Backup;

/// <summary>The outcome of a prune (or what a dry run would do).</summary>
/// <param name="DryRun">Whether nothing was deleted.</param>
/// <param name="Decisions">Each backup and whether it is kept, and why.</param>
/// <param name="Orphans">Orphaned data removed (or that would be).</param>
/// <param name="OrphansWithinGrace">Orphaned data left alone because it is younger than the grace period (perhaps a backup in progress).</param>
/// <param name="ExpiredWal">Archived WAL files no kept base backup needs, removed (or that would be).</param>
public sealed record PruneResult(bool DryRun, IReadOnlyList<BackupRetentionDecision> Decisions, IReadOnlyList<OrphanedBackup> Orphans, IReadOnlyList<OrphanedBackup> OrphansWithinGrace, IReadOnlyList<string> ExpiredWal)
{
    /// <summary>Gets the backups whose manifest cannot be read or trusted: kept, whatever their age, until an operator decides.</summary>
    public IReadOnlyList<UnreadableBackup> Unreadable { get; init; } = [];

    /// <summary>Gets why WAL retention deleted nothing, when a base backup's WAL needs could not be read; otherwise <see langword="null"/>.</summary>
    public string? WalRetentionHeldBecause { get; init; }

    /// <summary>Gets the backups deleted (or that would be).</summary>
    public IEnumerable<BackupManifest> Deleted => Decisions.Where(d => !d.Keep).Select(d => d.Backup);
}
