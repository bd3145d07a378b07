namespace DataGuard.Backup;

/// <summary>What retention does with one backup.</summary>
/// <param name="Backup">The backup.</param>
/// <param name="KeptBecause">Why it is kept, or <see langword="null"/> when it is deleted.</param>
public sealed record BackupRetentionDecision(BackupManifest Backup, string? KeptBecause)
{
    /// <summary>Gets a value indicating whether the backup is kept.</summary>
    public bool Keep => KeptBecause is not null;
}
