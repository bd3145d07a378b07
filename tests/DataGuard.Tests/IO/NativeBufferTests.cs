using DataGuard.IO;

#pragma warning disable CA1835, CA2022 // The array-based reads are the ones HttpClient and the S3 SDK make; counts are checked where they matter.

namespace DataGuard.Tests.IO;

/// <summary>Native part buffers: written through Memory, read back through seekable streams, and safe after they are freed.</summary>
public sealed class NativeBufferTests
{
    [Fact]
    public async Task A_stream_reads_back_what_was_written_and_can_be_read_again_after_a_seek()
    {
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        using var buffer = new NativeBuffer(512 * 1024);
        data.CopyTo(buffer.Memory.Span);

        await using var body = buffer.OpenRead(data.Length);
        Assert.True(body.CanSeek);
        Assert.Equal(data.Length, body.Length);
        using var first = new MemoryStream();
        await body.CopyToAsync(first, 8192);
        Assert.Equal(data, first.ToArray());

        // A retry sends the same body again from its start.
        body.Position = 0;
        var again = new byte[data.Length];
        var total = 0;
        int read;
        while ((read = await body.ReadAsync(again, total, Math.Min(8192, again.Length - total))) > 0)
        {
            total += read;
        }

        Assert.Equal(data, again);
        Assert.Equal(0, await body.ReadAsync(new byte[10], 0, 10));
        body.Seek(-10, SeekOrigin.End);
        Assert.Equal(10, body.Read(new byte[100], 0, 100));
    }

    [Fact]
    public async Task Reading_a_freed_buffer_throws_instead_of_touching_the_memory()
    {
        var buffer = new NativeBuffer(4096);
        buffer.Memory.Span.Fill(7);
        var body = buffer.OpenRead(4096);
        ((IDisposable)buffer).Dispose();

        Assert.Throws<ObjectDisposedException>(() => body.Read(new byte[10], 0, 10));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => body.ReadAsync(new byte[10], 0, 10));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await body.ReadAsync(new byte[10].AsMemory()));
        Assert.Throws<ObjectDisposedException>(() => buffer.Memory.Span.Length);
    }

    [Fact]
    public async Task Repeated_reads_of_the_same_count_share_one_task_and_a_different_count_gets_its_own()
    {
        using var buffer = new NativeBuffer(100);
        await using var body = buffer.OpenRead(100);
        var a = body.ReadAsync(new byte[40], 0, 40);
        var b = body.ReadAsync(new byte[40], 0, 40);
        var c = body.ReadAsync(new byte[40], 0, 40);
        Assert.Same(a, b);
        Assert.Equal(40, await b);
        Assert.Equal(20, await c);
        Assert.Equal(0, await body.ReadAsync(new byte[40], 0, 40));
    }

    [Fact]
    public void A_freed_buffer_leaves_the_process_also_after_malloc_raised_its_mmap_threshold()
    {
        // glibc serves a block of 8 MiB (the default part size) with mmap only until one such block is freed; it then
        // serves the next ones from its heaps, which keep them: every upload after the first kept its part buffers.
        const int size = 8 * 1024 * 1024;
        for (var round = 1; round <= 3; round++)
        {
            var buffer = new NativeBuffer(size);
            buffer.Memory.Span.Fill(1);
            var address = AddressOf(buffer);
            ((IDisposable)buffer).Dispose();

            var mapping = File.ReadLines("/proc/self/maps").FirstOrDefault(line => Covers(line, address));
            Assert.True(mapping is null, $"round {round}: the freed buffer at {address:x} is still mapped: {mapping}");
        }
    }

    private static unsafe ulong AddressOf(NativeBuffer buffer)
    {
        using var handle = buffer.Pin();
        return (ulong)handle.Pointer;
    }

    private static bool Covers(string mapping, ulong address)
    {
        var range = mapping[..mapping.IndexOf(' ', StringComparison.Ordinal)];
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        return address >= Convert.ToUInt64(range[..dash], 16) && address < Convert.ToUInt64(range[(dash + 1)..], 16);
    }
}
