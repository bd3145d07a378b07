namespace DataGuard.Backup;

/// <summary>Why an archive cannot be trusted or read.</summary>
public enum ArchiveProblem
{
    /// <summary>Not a problem of a known kind.</summary>
    Unknown = 0,

    /// <summary>The SHA-256 of the stored bytes differs from the manifest.</summary>
    ChecksumMismatch,

    /// <summary>The stored size differs from the manifest.</summary>
    SizeMismatch,

    /// <summary>The archive was encrypted with a key id that is not configured.</summary>
    MissingKey,

    /// <summary>The configured key for the archive's key id is not the key it was encrypted with.</summary>
    WrongKey,

    /// <summary>An encrypted chunk failed authentication: a byte was changed.</summary>
    Tampered,

    /// <summary>The archive ends before its final chunk.</summary>
    Truncated,

    /// <summary>The bytes are not in the expected format (bad header, not zstd, not a pg_dump archive).</summary>
    Malformed,

    /// <summary>The archive is bound to another backup or WAL file: it was copied or moved from elsewhere.</summary>
    Misplaced,

    /// <summary>The object is not encrypted although encryption is configured (and unencrypted reads are not allowed).</summary>
    Unencrypted,
}
