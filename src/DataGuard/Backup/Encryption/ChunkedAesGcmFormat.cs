using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// The constants and headers of DataGuard's streaming encryption format (docs/formats.md): AES-256-GCM over
/// fixed-size chunks, each with its own tag, the last one flagged in its associated data so that truncation is detected.
/// Version 2 (written) encrypts each archive under its own subkey, HKDF-SHA256 of the master key and a random salt, and
/// binds the archive to a context (its backup id or WAL file name) recorded in the header, which is associated data of
/// every chunk. Version 1 (read only) used the master key directly with a random nonce prefix and no context.
/// </summary>
internal static class ChunkedAesGcmFormat
{
    public const int TagSize = 16;
    public const int NonceSize = 12;
    public const int NoncePrefixSize = 8;
    public const int SaltSize = 32;
    public const int KeyCheckSize = 16;
    public const int MaxContextSize = 1024;
    public const int DefaultChunkSize = 1024 * 1024;
    public const int MaxChunkSize = 16 * 1024 * 1024;
    public const byte Version1 = 1;
    public const byte Version2 = 2;
    public const byte AlgorithmAes256Gcm = 1;

    /// <summary>The length of the fixed part every version starts with: magic, version, algorithm, chunk size.</summary>
    public const int PreambleSize = 10;

    public static readonly byte[] Magic = "DGAE"u8.ToArray();

    /// <summary>The HKDF info of a version-2 archive's subkey and key check.</summary>
    public static ReadOnlySpan<byte> SubkeyInfo => "DataGuard archive v2"u8;

    /// <summary>Builds a version-2 header: magic, version, algorithm, chunk size, salt, key id, context, key check.</summary>
    public static byte[] BuildHeader(string keyId, byte[] keyCheck, int chunkSize, byte[] salt, string context)
    {
        var id = Encoding.UTF8.GetBytes(keyId);
        if (id.Length is 0 or > 255)
        {
            throw new ArgumentException("A key id must be 1 to 255 bytes of UTF-8.", nameof(keyId));
        }

        var bound = Encoding.UTF8.GetBytes(context);
        if (bound.Length is 0 or > MaxContextSize)
        {
            throw new ArgumentException($"An archive context must be 1 to {MaxContextSize} bytes of UTF-8.", nameof(context));
        }

        var header = new byte[PreambleSize + SaltSize + 1 + id.Length + 2 + bound.Length + KeyCheckSize];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version2;
        span[5] = AlgorithmAes256Gcm;
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)chunkSize);
        salt.CopyTo(span[PreambleSize..]);
        var at = PreambleSize + SaltSize;
        span[at++] = (byte)id.Length;
        id.CopyTo(span[at..]);
        at += id.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)bound.Length);
        at += 2;
        bound.CopyTo(span[at..]);
        at += bound.Length;
        keyCheck.CopyTo(span[at..]);
        return header;
    }

    /// <summary>
    /// Derives a version-2 archive's AES-256 subkey and key check from the master key and the archive's salt:
    /// HKDF-SHA256(ikm = master key, salt, info = "DataGuard archive v2", 48 bytes) = subkey (32) ‖ key check (16).
    /// </summary>
    public static (byte[] Subkey, byte[] KeyCheck) DeriveSubkey(byte[] masterKey, ReadOnlySpan<byte> salt)
    {
        var output = new byte[EncryptionKeyRing.KeySize + KeyCheckSize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey, output, salt, SubkeyInfo);
        return (output[..EncryptionKeyRing.KeySize], output[EncryptionKeyRing.KeySize..]);
    }

    /// <summary>Version 1: a value derived from the key that tells a wrong key from a tampered archive.</summary>
    public static byte[] KeyCheckV1(byte[] key, byte[] noncePrefix)
    {
        var input = new byte["DataGuard key check v1"u8.Length + noncePrefix.Length];
        "DataGuard key check v1"u8.CopyTo(input);
        noncePrefix.CopyTo(input.AsSpan("DataGuard key check v1"u8.Length));
        return HMACSHA256.HashData(key, input)[..KeyCheckSize];
    }

    /// <summary>
    /// The nonce of chunk <paramref name="index"/>. Version 2: four zero bytes and the index as 8 bytes, big-endian
    /// (the subkey is unique to the archive). Version 1: the archive's 8-byte random prefix and the index as 4 bytes.
    /// </summary>
    public static void Nonce(byte version, byte[] noncePrefix, ulong index, Span<byte> nonce)
    {
        if (version == Version1)
        {
            noncePrefix.CopyTo(nonce);
            BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], checked((uint)index));
            return;
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], index);
    }

    /// <summary>The associated data of a chunk: the whole header, then 1 for the final chunk or 0.</summary>
    public static byte[] AssociatedData(byte[] header, bool final)
    {
        var data = new byte[header.Length + 1];
        header.CopyTo(data, 0);
        data[^1] = final ? (byte)1 : (byte)0;
        return data;
    }
}
