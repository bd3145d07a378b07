namespace DataGuard.Backup;

/// <summary>
/// Options of the section <c>DataGuard:Backup:Encryption</c>. Encryption is on when <see cref="KeyId"/> is set.
/// Keep key material in a secret store or the environment (<c>DataGuard__Backup__Encryption__Keys__k2</c>).
/// </summary>
public sealed class EncryptionOptions
{
    /// <summary>Gets or sets the id of the key new archives are encrypted with; empty to not encrypt.</summary>
    public string? KeyId { get; set; }

    /// <summary>Gets or sets the key of <see cref="KeyId"/>: 32 bytes, base64. A shorthand for one entry of <see cref="Keys"/>.</summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets every known key by id (base64, 32 bytes each): old ids stay here after a rotation, to decrypt old archives.</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether objects stored without encryption (backups, their unauthenticated
    /// manifests, WAL files) may still be read while <see cref="KeyId"/> is set. Default: off, so that a planted
    /// plaintext object or a manifest rewritten to "not encrypted" is refused. Turn on only while migrating from an
    /// unencrypted setup, until the unencrypted backups and WAL have expired.
    /// </summary>
    public bool AllowUnencryptedRead { get; set; }
}
