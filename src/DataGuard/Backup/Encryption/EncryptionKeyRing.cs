namespace DataGuard.Backup.Encryption;

/// <summary>
/// The encryption keys DataGuard knows, by id: new archives are encrypted with the current key; an archive is
/// decrypted with the key of the id in its header, so old keys stay usable after a rotation.
/// </summary>
internal sealed class EncryptionKeyRing
{
    /// <summary>The size of an AES-256 key, in bytes.</summary>
    public const int KeySize = 32;

    private readonly Dictionary<string, byte[]> _keys;

    /// <summary>Initializes a new instance of the <see cref="EncryptionKeyRing"/> class.</summary>
    /// <param name="currentKeyId">The id of the key new archives are encrypted with, or <see langword="null"/> to not encrypt.</param>
    /// <param name="keys">Every known key by id, 32 bytes each.</param>
    public EncryptionKeyRing(string? currentKeyId, IReadOnlyDictionary<string, byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys.ToDictionary(k => k.Key, k => k.Value.Length == KeySize
            ? k.Value.ToArray()
            : throw new ArgumentException($"Encryption key '{k.Key}' must be {KeySize} bytes.", nameof(keys)), StringComparer.Ordinal);
        if (currentKeyId is not null && !_keys.ContainsKey(currentKeyId))
        {
            throw new ArgumentException($"The current key id '{currentKeyId}' has no key.", nameof(currentKeyId));
        }

        CurrentKeyId = currentKeyId;
    }

    /// <summary>Gets a key ring that encrypts nothing and knows no key.</summary>
    public static EncryptionKeyRing None { get; } = new(null, new Dictionary<string, byte[]>());

    /// <summary>Gets the id of the key new archives are encrypted with, or <see langword="null"/> when encryption is off.</summary>
    public string? CurrentKeyId { get; }

    /// <summary>
    /// Gets a value indicating whether unencrypted objects (and unauthenticated manifests of unencrypted backups) may be
    /// read although a current key is configured: for migrating from an unencrypted setup only.
    /// </summary>
    public bool AllowUnencryptedRead { get; init; }

    /// <summary>Gets a value indicating whether an unencrypted object must be refused: a current key is configured and unencrypted reads are not allowed.</summary>
    public bool RefusesUnencrypted => CurrentKeyId is not null && !AllowUnencryptedRead;

    /// <summary>Gets the ids of every known key.</summary>
    public IEnumerable<string> KeyIds => _keys.Keys;

    /// <summary>Gets the key with an id.</summary>
    /// <param name="keyId">The key id.</param>
    /// <param name="key">The key, when known.</param>
    /// <returns>Whether the key is known.</returns>
    public bool TryGetKey(string keyId, out byte[] key) => _keys.TryGetValue(keyId, out key!);

    /// <summary>Gets the current key.</summary>
    /// <returns>The key.</returns>
    /// <exception cref="InvalidOperationException">Encryption is off.</exception>
    public byte[] GetCurrentKey() => CurrentKeyId is null
        ? throw new InvalidOperationException("No encryption key is configured.")
        : _keys[CurrentKeyId];
}
