using DataGuard.Compression;
using ZstdSharp;

namespace DataGuard.Tests.Compression;

public sealed class NativeZstdCompressionStreamTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(3 * 1024 * 1024 + 17, 1)]
    [InlineData(9 * 1024 * 1024, 2)]
    public async Task Frames_from_libzstd_decompress_with_the_managed_port_and_the_zstd_tool(int length, int threads)
    {
        Assert.True(NativeZstd.IsAvailable, "libzstd.so.1 (1.5+) is installed by .ci/run and the zstd package");
        var data = new byte[length];
        new Random(length).NextBytes(data.AsSpan(0, length / 2));   // half random, half zeros, as WAL and dumps often are

        using var compressed = new MemoryStream();
        await using (var zstd = new NativeZstdCompressionStream(compressed, level: 3, threads))
        {
            // Odd-sized writes, as a pipe delivers them.
            for (var offset = 0; offset < length; offset += 100_003)
            {
                await zstd.WriteAsync(data.AsMemory(offset, Math.Min(100_003, length - offset)));
            }
        }

        Assert.True(length < 1000 || compressed.Length < length * 0.6, $"{compressed.Length} bytes for {length}");
        compressed.Position = 0;
        using var managed = new MemoryStream();
        await using (var decompress = new DecompressionStream(compressed, leaveOpen: true))
        {
            await decompress.CopyToAsync(managed);
        }

        Assert.Equal(data, managed.ToArray());

        var file = Path.Combine(Path.GetTempPath(), $"dataguard-native-{Guid.NewGuid():N}.zst");
        await File.WriteAllBytesAsync(file, compressed.ToArray());
        try
        {
            var tool = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("zstd", ["-t", "-q", file]) { RedirectStandardError = true })!;
            await tool.WaitForExitAsync();
            Assert.Equal(0, tool.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Workers_compress_in_1_MiB_jobs_so_that_their_buffers_stay_small()
    {
        // zstd's default job is four windows (8 MiB at level 3): with two workers, about 62 MiB of native buffers in a
        // backup to S3 (docs/benchmarks.md). The job size bounds them.
        await using var zstd = new NativeZstdCompressionStream(Stream.Null, level: 3, threads: 2);
        Assert.Equal(2, zstd.GetParameter(NativeZstd.NbWorkers));
        Assert.Equal(1024 * 1024, zstd.GetParameter(NativeZstd.JobSize));
        Assert.Equal(NativeZstd.WorkerJobSize, zstd.GetParameter(NativeZstd.JobSize));

        // Alone, there are no jobs: the stream compresses on the caller's thread.
        await using var single = new NativeZstdCompressionStream(Stream.Null, level: 3, threads: 1);
        Assert.Equal(0, single.GetParameter(NativeZstd.NbWorkers));
    }

    [Fact]
    public async Task A_corrupted_native_frame_fails_its_checksum_on_reading()
    {
        var data = new byte[200_000];
        new Random(5).NextBytes(data);
        using var compressed = new MemoryStream();
        await using (var zstd = new NativeZstdCompressionStream(compressed, level: 1, threads: 1))
        {
            await zstd.WriteAsync(data);
        }

        var bytes = compressed.ToArray();
        bytes[bytes.Length - 2] ^= 0x40;   // inside the content checksum
        await using var decompress = new DecompressionStream(new MemoryStream(bytes));
        await Assert.ThrowsAnyAsync<Exception>(() => decompress.CopyToAsync(Stream.Null));
    }
}
