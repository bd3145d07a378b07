namespace DataGuard.Backup;

/// <summary>
/// Every backup in storage, read from the manifests, newest first; the data that has no manifest; and the backups
/// whose manifest exists but cannot be read or trusted (quarantined, never deleted by retention).
/// </summary>
/// <param name="Backups">The backups with a readable, trusted manifest, newest first.</param>
/// <param name="Orphans">Backup folders with data but no manifest: failed or interrupted runs (or one in progress).</param>
/// <param name="Unreadable">Backup folders whose manifest cannot be read or trusted, newest first.</param>
public sealed record BackupCatalog(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<OrphanedBackup> Orphans, IReadOnlyList<UnreadableBackup> Unreadable)
{
    /// <summary>Initializes a new instance of the <see cref="BackupCatalog"/> class with no unreadable backup.</summary>
    /// <param name="backups">The backups, newest first.</param>
    /// <param name="orphans">The orphaned data.</param>
    public BackupCatalog(IReadOnlyList<BackupManifest> backups, IReadOnlyList<OrphanedBackup> orphans)
        : this(backups, orphans, [])
    {
    }

    /// <summary>Gets the newest verified backup, if any.</summary>
    public BackupManifest? NewestVerified => Backups.FirstOrDefault(b => b.Status == BackupStatus.Verified);
}
