using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DataGuard.Tests.Backup;

/// <summary>
/// A kept copy of the version-1 archive writer (before per-archive subkeys and context binding), to prove that what it
/// wrote still decrypts: master key used directly, 8-byte random nonce prefix, no context.
/// </summary>
internal static class LegacyV1Writer
{
    public static byte[] Encrypt(byte[] plain, string keyId, byte[] key, int chunkSize)
    {
        var id = Encoding.UTF8.GetBytes(keyId);
        var prefix = RandomNumberGenerator.GetBytes(8);
        var header = new byte[19 + id.Length + 16];
        "DGAE"u8.CopyTo(header);
        header[4] = 1;
        header[5] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(6), (uint)chunkSize);
        prefix.CopyTo(header, 10);
        header[18] = (byte)id.Length;
        id.CopyTo(header, 19);
        var check = HMACSHA256.HashData(key, (byte[])[.. "DataGuard key check v1"u8, .. prefix])[..16];
        check.CopyTo(header, 19 + id.Length);

        using var aes = new AesGcm(key, 16);
        using var output = new MemoryStream();
        output.Write(header);
        var index = 0u;
        var offset = 0;
        while (true)
        {
            var length = Math.Min(chunkSize, plain.Length - offset);
            var final = offset + length == plain.Length && (length < chunkSize || length == 0);
            var nonce = new byte[12];
            prefix.CopyTo(nonce, 0);
            BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(8), index++);
            var cipher = new byte[length];
            var tag = new byte[16];
            aes.Encrypt(nonce, plain.AsSpan(offset, length), cipher, tag, [.. header, final ? (byte)1 : (byte)0]);
            output.Write(cipher);
            output.Write(tag);
            offset += length;
            if (final)
            {
                return output.ToArray();
            }
        }
    }
}
