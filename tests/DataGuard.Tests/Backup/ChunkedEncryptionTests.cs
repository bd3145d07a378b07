using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;

namespace DataGuard.Tests.Backup;

public class ChunkedEncryptionTests
{
    private const int Chunk = 1024;
    private static readonly byte[] Key1 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Key2 = RandomNumberGenerator.GetBytes(32);
    private static readonly EncryptionKeyRing Ring = new("k1", new Dictionary<string, byte[]> { ["k1"] = Key1, ["k0"] = Key2 });
    private const string Context = "backup:20261126T030000Z-logical-3fa9c1";

    // Version 2 with key id "k1" and the context above: preamble, salt, key id, context, key check.
    private static readonly int HeaderSize = 10 + 32 + 1 + 2 + 2 + Context.Length + 16;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(Chunk * 5)]
    [InlineData(Chunk * 5 + 17)]
    public async Task Round_trips(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);
        var encrypted = await EncryptAsync(plain, "k1", Key1);
        Assert.False(encrypted.AsSpan().IndexOf(plain.AsSpan(0, Math.Min(16, length))) >= 0 && length >= 16);
        Assert.Equal(plain, await DecryptAsync(encrypted, Ring));
    }

    [Fact]
    public async Task Archives_of_an_older_key_id_still_decrypt_after_rotation()
    {
        var plain = RandomNumberGenerator.GetBytes(3000);
        var encrypted = await EncryptAsync(plain, "k0", Key2);
        Assert.Equal(plain, await DecryptAsync(encrypted, Ring));
    }

    [Fact]
    public async Task Missing_key_is_its_own_error()
    {
        var encrypted = await EncryptAsync(new byte[100], "k9", RandomNumberGenerator.GetBytes(32));
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring));
        Assert.Equal(ArchiveProblem.MissingKey, ex.Problem);
        Assert.Contains("'k9'", ex.Message);
    }

    [Fact]
    public async Task Wrong_key_is_its_own_error()
    {
        var encrypted = await EncryptAsync(new byte[100], "k1", Key2);
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring));
        Assert.Equal(ArchiveProblem.WrongKey, ex.Problem);
        Assert.DoesNotContain(Convert.ToBase64String(Key1), ex.Message);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public async Task A_flipped_byte_is_tampering(double where)
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk * 4 + 10), "k1", Key1);
        var position = HeaderSize + (int)((encrypted.Length - HeaderSize - 1) * where);
        encrypted[position] ^= 0x01;
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring));
        Assert.Equal(ArchiveProblem.Tampered, ex.Problem);
    }

    [Fact]
    public async Task Cut_at_a_chunk_boundary_is_truncation()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk * 4 + 10), "k1", Key1);
        var cut = encrypted[..(HeaderSize + (2 * (Chunk + 16)))];
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(cut, Ring));
        Assert.Equal(ArchiveProblem.Truncated, ex.Problem);
    }

    [Fact]
    public async Task Cut_inside_a_chunk_is_not_accepted()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk * 4 + 10), "k1", Key1);
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted[..^5], Ring));
        Assert.True(ex.Problem is ArchiveProblem.Truncated or ArchiveProblem.Tampered, ex.Problem.ToString());
    }

    [Fact]
    public async Task Not_an_archive_is_malformed()
    {
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(RandomNumberGenerator.GetBytes(200), Ring));
        Assert.Equal(ArchiveProblem.Malformed, ex.Problem);
    }

    [Fact]
    public async Task Two_archives_under_one_key_use_different_salts_and_so_different_subkeys()
    {
        var plain = new byte[5000];
        var first = await EncryptAsync(plain, "k1", Key1);
        var second = await EncryptAsync(plain, "k1", Key1);

        Assert.Equal("DGAE"u8.ToArray(), first[..4]);
        Assert.Equal(2, first[4]);
        var (salt1, salt2) = (first[10..42], second[10..42]);
        Assert.NotEqual(salt1, salt2);
        var subkey1 = Subkey(Key1, salt1);
        var subkey2 = Subkey(Key1, salt2);
        Assert.NotEqual(subkey1[..32], subkey2[..32]);
        Assert.NotEqual(Key1, subkey1[..32]);

        // The key check in each header is the HKDF output's last 16 bytes, and the context follows the key id.
        Assert.Equal(subkey1[32..], first[(HeaderSize - 16)..HeaderSize]);
        Assert.Equal(subkey2[32..], second[(HeaderSize - 16)..HeaderSize]);
        Assert.Equal(Context, System.Text.Encoding.UTF8.GetString(first, 10 + 32 + 1 + 2 + 2, Context.Length));
        Assert.NotEqual(first[HeaderSize..], second[HeaderSize..]);

        // Standard tools: a one-chunk archive is AES-256-GCM under the subkey, nonce 0, associated data the header and
        // the final flag 1.
        var small = RandomNumberGenerator.GetBytes(500);
        var single = await EncryptAsync(small, "k1", Key1);
        using var aes = new AesGcm(Subkey(Key1, single[10..42])[..32], 16);
        var decrypted = new byte[small.Length];
        var body = single[HeaderSize..];
        aes.Decrypt(new byte[12], body[..^16], body[^16..], decrypted, (byte[])[.. single[..HeaderSize], 1]);
        Assert.Equal(small, decrypted);
    }

    [Fact]
    public async Task An_archive_read_under_another_context_is_misplaced()
    {
        var encrypted = await EncryptAsync(new byte[100], "k1", Key1);
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring, "backup:20261127T030000Z-logical-000000"));
        Assert.Equal(ArchiveProblem.Misplaced, ex.Problem);
        Assert.Contains(Context, ex.Message);
        Assert.Contains("backup:20261127T030000Z-logical-000000", ex.Message);
    }

    [Fact]
    public async Task A_context_rewritten_in_the_header_fails_authentication()
    {
        var encrypted = await EncryptAsync(new byte[100], "k1", Key1);
        var other = Context[..^1] + "0";
        System.Text.Encoding.UTF8.GetBytes(other).CopyTo(encrypted, 10 + 32 + 1 + 2 + 2);
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring, other));
        Assert.Equal(ArchiveProblem.Tampered, ex.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Chunk)]
    [InlineData(Chunk * 3 + 5)]
    public async Task Version_1_archives_of_the_old_writer_still_decrypt_whatever_the_context(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);
        var legacy = LegacyV1Writer.Encrypt(plain, "k0", Key2, Chunk);
        Assert.Equal(1, legacy[4]);
        Assert.Equal(plain, await DecryptAsync(legacy, Ring, "wal:000000010000000000000001"));

        legacy[legacy.Length / 2] ^= 0x01;
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(legacy, Ring));
        Assert.True(ex.Problem is ArchiveProblem.Tampered or ArchiveProblem.WrongKey, ex.Problem.ToString());
    }

    private static byte[] Subkey(byte[] key, byte[] salt)
    {
        var output = new byte[48];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, output, salt, "DataGuard archive v2"u8);
        return output;
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, string keyId, byte[] key, string context = Context)
    {
        using var output = new MemoryStream();
        await using (var encrypting = new EncryptingStream(output, keyId, key, context, leaveOpen: true, chunkSize: Chunk))
        {
            // Irregular writes.
            for (var offset = 0; offset < plain.Length; offset += 333)
            {
                await encrypting.WriteAsync(plain.AsMemory(offset, Math.Min(333, plain.Length - offset)));
            }
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] encrypted, EncryptionKeyRing keys, string context = Context)
    {
        await using var decrypting = new DecryptingStream(new MemoryStream(encrypted), keys, context);
        using var output = new MemoryStream();
        await decrypting.CopyToAsync(output);
        return output.ToArray();
    }
}
