namespace DataGuard.Backup.Encryption;

/// <summary>The outcome of checking a manifest's MAC.</summary>
internal enum ManifestMacStatus
{
    /// <summary>The MAC is present and matches: nothing in the manifest was changed without the key.</summary>
    Valid,

    /// <summary>The manifest carries no MAC.</summary>
    Missing,

    /// <summary>The MAC is under a key id that is not configured: it cannot be checked.</summary>
    UnknownKey,

    /// <summary>The key configured for the MAC's key id is not the key the manifest was authenticated with.</summary>
    WrongKey,

    /// <summary>The MAC does not match: the manifest was changed without the key.</summary>
    Invalid,

    /// <summary>The <c>mac</c> member is not of the expected shape.</summary>
    Malformed,
}
