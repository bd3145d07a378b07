using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// Authenticates JSON manifests (docs/formats.md): a <c>mac</c> member holding HMAC-SHA256, under a key derived with
/// HKDF-SHA256 from an encryption key (info <c>DataGuard manifest MAC v1</c>), of the manifest's canonical bytes
/// (RFC 8785) without the <c>mac</c> member, and a key check that tells a wrong key from a changed manifest. Unknown members are covered too, so a newer DataGuard's fields are as
/// authenticated as the known ones.
/// </summary>
internal static class ManifestMac
{
    /// <summary>The name of the member that holds the MAC.</summary>
    public const string PropertyName = "mac";

    /// <summary>The algorithm recorded in the MAC member.</summary>
    public const string Algorithm = "hmac-sha256";

    private static ReadOnlySpan<byte> Info => "DataGuard manifest MAC v1"u8;

    private static ReadOnlySpan<byte> KeyCheckInfo => "DataGuard manifest key check v1"u8;

    /// <summary>Adds (or replaces) the <c>mac</c> member of a manifest.</summary>
    /// <param name="manifest">The manifest, as parsed JSON.</param>
    /// <param name="keyId">The id of the key.</param>
    /// <param name="key">The 32-byte encryption key the MAC key is derived from.</param>
    public static void Sign(JsonObject manifest, string keyId, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        manifest.Remove(PropertyName);
        manifest[PropertyName] = new JsonObject
        {
            ["algorithm"] = Algorithm,
            ["keyId"] = keyId,
            ["keyCheck"] = Convert.ToHexStringLower(KeyCheck(key)),
            ["value"] = Convert.ToHexStringLower(Compute(manifest, key)),
        };
    }

    /// <summary>Checks the <c>mac</c> member of a manifest (the manifest is not changed).</summary>
    /// <param name="manifest">The manifest, as parsed JSON.</param>
    /// <param name="keys">The known keys.</param>
    /// <param name="keyId">The key id the MAC names, when it names one.</param>
    /// <returns>Whether the MAC is there and matches.</returns>
    public static ManifestMacStatus Verify(JsonObject manifest, EncryptionKeyRing keys, out string? keyId)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(keys);
        keyId = null;
        if (!manifest.TryGetPropertyValue(PropertyName, out var node))
        {
            return ManifestMacStatus.Missing;
        }

        if (node is not JsonObject mac
            || mac.Count != 4
            || !TryGetString(mac, "algorithm", out var algorithm) || algorithm != Algorithm
            || !TryGetString(mac, "keyId", out keyId)
            || !TryGetString(mac, "keyCheck", out var keyCheck) || keyCheck.Length != 32
            || !TryGetString(mac, "value", out var value) || value.Length != 64)
        {
            return ManifestMacStatus.Malformed;
        }

        if (!keys.TryGetKey(keyId, out var key))
        {
            return ManifestMacStatus.UnknownKey;
        }

        byte[] expected;
        byte[] check;
        try
        {
            expected = Convert.FromHexString(value);
            check = Convert.FromHexString(keyCheck);
        }
        catch (FormatException)
        {
            return ManifestMacStatus.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(check, KeyCheck(key)))
        {
            return ManifestMacStatus.WrongKey;
        }

        var copy = manifest.DeepClone().AsObject();
        copy.Remove(PropertyName);
        return CryptographicOperations.FixedTimeEquals(expected, Compute(copy, key)) ? ManifestMacStatus.Valid : ManifestMacStatus.Invalid;
    }

    /// <summary>Derives the MAC key of an encryption key: HKDF-SHA256(ikm = key, no salt, info = "DataGuard manifest MAC v1", 32 bytes).</summary>
    /// <param name="key">The encryption key.</param>
    /// <returns>The MAC key.</returns>
    internal static byte[] DeriveMacKey(byte[] key) => HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, salt: [], info: Info.ToArray());

    /// <summary>Tells a wrong key from a changed manifest: HKDF-SHA256(ikm = key, no salt, info = "DataGuard manifest key check v1", 16 bytes).</summary>
    private static byte[] KeyCheck(byte[] key) => HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 16, salt: [], info: KeyCheckInfo.ToArray());

    private static byte[] Compute(JsonObject withoutMac, byte[] key)
    {
        var macKey = DeriveMacKey(key);
        try
        {
            return HMACSHA256.HashData(macKey, JsonCanonicalizer.Canonicalize(withoutMac));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private static bool TryGetString(JsonObject obj, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = obj.TryGetPropertyValue(name, out var node) && node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? v.GetValue<string>()
            : null;
        return value is not null;
    }
}
