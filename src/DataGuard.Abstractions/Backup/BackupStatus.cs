namespace DataGuard.Backup;

/// <summary>The state of a backup that has a manifest.</summary>
public enum BackupStatus
{
    /// <summary>Stored, not verified yet.</summary>
    Unverified,

    /// <summary>Read back, checksum equal, decrypted and decompressed fully, and its table of contents read.</summary>
    Verified,

    /// <summary>The last verification failed: do not rely on it.</summary>
    VerificationFailed,
}
