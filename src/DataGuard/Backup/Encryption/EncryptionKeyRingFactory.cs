using DataGuard.Backup;
using DataGuard.Configuration;

namespace DataGuard.Backup.Encryption;

/// <summary>Builds the <see cref="EncryptionKeyRing"/> from <see cref="EncryptionOptions"/>; errors name the option, never the key.</summary>
internal static class EncryptionKeyRingFactory
{
    /// <summary>Builds the key ring.</summary>
    /// <param name="options">The encryption options.</param>
    /// <returns>The key ring; <see cref="EncryptionKeyRing.None"/> when no key is configured.</returns>
    /// <exception cref="FormatException">A key is not base64 of 32 bytes, or the current key id has no key.</exception>
    public static EncryptionKeyRing Create(EncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string path = "DataGuard:Backup:Encryption";
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, value) in options.Keys)
        {
            keys[id] = Decode(value, $"{path}:Keys:{id}");
        }

        if (!string.IsNullOrEmpty(options.Key))
        {
            if (string.IsNullOrEmpty(options.KeyId))
            {
                throw new FormatException($"{path}:Key is set but {path}:KeyId is not: give the key an id.");
            }

            keys[options.KeyId] = Decode(options.Key, $"{path}:Key");
        }

        if (string.IsNullOrEmpty(options.KeyId))
        {
            return keys.Count == 0 ? EncryptionKeyRing.None : new EncryptionKeyRing(null, keys) { AllowUnencryptedRead = options.AllowUnencryptedRead };
        }

        if (!keys.ContainsKey(options.KeyId))
        {
            throw new FormatException($"{path}:KeyId '{options.KeyId}' has no key: set {path}:Key or {path}:Keys:{options.KeyId}.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(options.KeyId) > 255)
        {
            throw new FormatException($"{path}:KeyId must be at most 255 bytes.");
        }

        return new EncryptionKeyRing(options.KeyId, keys) { AllowUnencryptedRead = options.AllowUnencryptedRead };
    }

    private static byte[] Decode(string value, string optionPath)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new FormatException($"{optionPath} is not valid base64 (expected 32 random bytes, base64; for example from: openssl rand -base64 32).");
        }

        return key.Length == EncryptionKeyRing.KeySize
            ? key
            : throw new FormatException($"{optionPath} must decode to {EncryptionKeyRing.KeySize} bytes (decodes to {key.Length}).");
    }
}
