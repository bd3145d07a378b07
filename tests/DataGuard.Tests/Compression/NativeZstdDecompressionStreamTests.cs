using DataGuard.Backup;
using DataGuard.Compression;
using ZstdSharp;

namespace DataGuard.Tests.Compression;

public sealed class NativeZstdDecompressionStreamTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 7)]
    [InlineData(3 * 1024 * 1024 + 17, 4096)]
    [InlineData(9 * 1024 * 1024, 1024 * 1024)]
    public async Task Reads_what_the_managed_port_and_libzstd_wrote_in_any_read_size(int length, int readSize)
    {
        Assert.True(NativeZstd.IsAvailable, "libzstd.so.1 (1.5+) is installed by .ci/run and the zstd package");
        var data = new byte[length];
        new Random(length).NextBytes(data.AsSpan(0, length / 2));

        // Two concatenated frames: one from the managed port, one from libzstd (zstd -d reads both as one stream).
        using var compressed = new MemoryStream();
        await using (var managed = new CompressionStream(compressed, 3, leaveOpen: true))
        {
            await managed.WriteAsync(data);
        }

        await using (var native = new NativeZstdCompressionStream(compressed, level: 1, threads: 2))
        {
            await native.WriteAsync(data);
        }

        compressed.Position = 0;
        await using var reader = new ZstdReadStream(compressed);
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        Assert.Equal([.. data, .. data], output.ToArray());
    }

    [Fact]
    public async Task A_truncated_frame_is_reported_truncated_and_a_changed_byte_malformed()
    {
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        using var compressed = new MemoryStream();
        await using (var zstd = new NativeZstdCompressionStream(compressed, level: 1, threads: 1))
        {
            await zstd.WriteAsync(data);
        }

        var bytes = compressed.ToArray();
        foreach (var cut in new[] { bytes.Length - 1, bytes.Length - 5, bytes.Length / 2, 3 })
        {
            await using var truncated = new ZstdReadStream(new MemoryStream(bytes, 0, cut));
            var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => truncated.CopyToAsync(Stream.Null));
            Assert.Equal(ArchiveProblem.Truncated, ex.Problem);
        }

        var changed = (byte[])bytes.Clone();
        changed[^2] ^= 0x40;   // inside the content checksum
        await using var corrupt = new ZstdReadStream(new MemoryStream(changed));
        var malformed = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => corrupt.CopyToAsync(Stream.Null));
        Assert.Equal(ArchiveProblem.Malformed, malformed.Problem);

        await using var trailing = new ZstdReadStream(new MemoryStream([.. bytes, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Equal(ArchiveProblem.Malformed, (await Assert.ThrowsAsync<ArchiveIntegrityException>(() => trailing.CopyToAsync(Stream.Null))).Problem);
    }
}
