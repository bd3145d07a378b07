using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// The constants and header of DataGuard's streaming encryption format (docs/formats.md): AES-256-GCM over
/// fixed-size chunks, each with its own tag, the last one flagged in its associated data so that truncation is detected.
/// </summary>
internal static class ChunkedAesGcmFormat
{
    public const int TagSize = 16;
    public const int NoncePrefixSize = 8;
    public const int KeyCheckSize = 16;
    public const int DefaultChunkSize = 1024 * 1024;
    public const int MaxChunkSize = 16 * 1024 * 1024;
    public const byte Version = 1;
    public const byte AlgorithmAes256Gcm = 1;
    public static readonly byte[] Magic = "DGAE"u8.ToArray();

    /// <summary>Builds a header: magic, version, algorithm, chunk size, nonce prefix, key id, key check.</summary>
    public static byte[] BuildHeader(string keyId, byte[] key, int chunkSize, byte[] noncePrefix)
    {
        var id = Encoding.UTF8.GetBytes(keyId);
        if (id.Length is 0 or > 255)
        {
            throw new ArgumentException("A key id must be 1 to 255 bytes of UTF-8.", nameof(keyId));
        }

        var header = new byte[4 + 1 + 1 + 4 + NoncePrefixSize + 1 + id.Length + KeyCheckSize];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version;
        span[5] = AlgorithmAes256Gcm;
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)chunkSize);
        noncePrefix.CopyTo(span[10..]);
        span[18] = (byte)id.Length;
        id.CopyTo(span[19..]);
        KeyCheck(key, noncePrefix).CopyTo(span[(19 + id.Length)..]);
        return header;
    }

    /// <summary>A value derived from the key that tells a wrong key from a tampered archive.</summary>
    public static byte[] KeyCheck(byte[] key, byte[] noncePrefix)
    {
        var input = new byte["DataGuard key check v1"u8.Length + noncePrefix.Length];
        "DataGuard key check v1"u8.CopyTo(input);
        noncePrefix.CopyTo(input.AsSpan("DataGuard key check v1"u8.Length));
        return HMACSHA256.HashData(key, input)[..KeyCheckSize];
    }

    /// <summary>The nonce of chunk <paramref name="index"/>: the 8-byte prefix and the index, big-endian.</summary>
    public static void Nonce(byte[] noncePrefix, uint index, Span<byte> nonce)
    {
        noncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], index);
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
