namespace DataGuard.Backup;

/// <summary>Every backup in storage, read from the manifests, newest first; and the data that has no manifest.</summary>
/// <param name="Backups">The backups with a manifest, newest first.</param>
/// <param name="Orphans">Backup folders with data but no manifest: failed or interrupted runs (or one in progress).</param>
public sealed record BackupCatalog(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<OrphanedBackup> Orphans)
{
    /// <summary>Gets the newest verified backup, if any.</summary>
    public BackupManifest? NewestVerified => Backups.FirstOrDefault(b => b.Status == BackupStatus.Verified);
}
