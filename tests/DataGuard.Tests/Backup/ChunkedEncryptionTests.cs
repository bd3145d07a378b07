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
        var header = 19 + 2 + 16;
        var position = header + (int)((encrypted.Length - header - 1) * where);
        encrypted[position] ^= 0x01;
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => DecryptAsync(encrypted, Ring));
        Assert.Equal(ArchiveProblem.Tampered, ex.Problem);
    }

    [Fact]
    public async Task Cut_at_a_chunk_boundary_is_truncation()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk * 4 + 10), "k1", Key1);
        var header = 19 + 2 + 16;
        var cut = encrypted[..(header + (2 * (Chunk + 16)))];
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

    private static async Task<byte[]> EncryptAsync(byte[] plain, string keyId, byte[] key)
    {
        using var output = new MemoryStream();
        await using (var encrypting = new EncryptingStream(output, keyId, key, leaveOpen: true, chunkSize: Chunk))
        {
            // Irregular writes.
            for (var offset = 0; offset < plain.Length; offset += 333)
            {
                await encrypting.WriteAsync(plain.AsMemory(offset, Math.Min(333, plain.Length - offset)));
            }
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] encrypted, EncryptionKeyRing keys)
    {
        await using var decrypting = new DecryptingStream(new MemoryStream(encrypted), keys);
        using var output = new MemoryStream();
        await decrypting.CopyToAsync(output);
        return output.ToArray();
    }
}
