using DataGuard.IO;
using DataGuard.Pitr;
using DataGuard.Tests.Pitr;
using DataGuard.Testing;

namespace DataGuard.Tests.IO;

/// <summary>
/// The copy that allocates runs of zeros instead of writing them (restored WAL segments): the file must read back
/// byte for byte, be exactly as long, and have no hole (every block allocated, as if the zeros had been written).
/// </summary>
public sealed partial class ZeroSkippingFileCopyTests : IDisposable
{
    private const int Block = ZeroSkippingFileCopy.Block;
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-zero-copy-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 6).Select(i => 7100 + i)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Generated_contents_read_back_the_same_with_no_hole(int seed)
    {
        // Each seed: 12 contents built of random bytes, runs of zeros of every length (shorter and longer than a block,
        // aligned or not), single bytes inside zero runs, empty and zero-only files; read through random chunk sizes.
        var random = new Random(seed);
        var allocated = 0;
        for (var i = 0; i < 12; i++)
        {
            var content = i == 0 ? new byte[3 * Block] : Generate(random);   // the first always has a run to allocate
            var file = Path.Combine(_root, $"{seed}-{i}");
            var allocate = i == 0 || random.Next(4) != 0;
            allocated += await CopyAsync(content, file, new ChunkedStream(content, random.Next(1, 300_000), seed + i), allocate);
            var written = await File.ReadAllBytesAsync(file);
            Assert.True(Same(content, written), $"seed {seed}, case {i}: the file differs from what was copied ({content.Length} bytes)");
            await AssertNoHoleAsync(file, content.Length, $"seed {seed}, case {i}");
        }

        Assert.True(allocated > 0, "fallocate never succeeded here: the runs of zeros were all written (the copy fell back everywhere)");
    }

    [Fact]
    public async Task A_WAL_segment_closed_early_is_fetched_whole_and_allocated()
    {
        // A segment switched after a few records: 200 KB of records, then zeros to 16 MiB.
        var random = new Random(31);
        var segment = new byte[16 << 20];
        random.NextBytes(segment.AsSpan(0, 200_000));
        segment[(9 << 20) + 17] = 1;   // a lone byte far into the zeros (a block of them must still be written)
        var source = Path.Combine(_root, "000000010000000000000007");
        await File.WriteAllBytesAsync(source, segment);
        await LocalWalArchive.Create(Path.Combine(_root, "archive")).PushAsync(source);

        foreach (var (durable, allocateZeros) in new[] { (true, true), (false, true), (true, false) })
        {
            var archive = LocalWalArchive.Create(Path.Combine(_root, "archive"), new PitrOptions { WalFetchAllocatesZeros = allocateZeros });
            var fetched = Path.Combine(_root, $"fetched-{durable}-{allocateZeros}");
            await archive.FetchAsync("000000010000000000000007", fetched, durable, CancellationToken.None);

            // The setting reaches the copy: allocated zeros are unwritten extents, which SEEK_HOLE reports as a hole
            // (ext4, xfs) until they are read into the page cache (so before reading); with the setting off, every
            // byte is written and the first hole is the end of the file.
            var firstHole = FirstHole(fetched);
            Assert.True(allocateZeros ? firstHole < segment.Length : firstHole == segment.Length, $"durable {durable}, allocating zeros {allocateZeros}: first hole at {firstHole} of {segment.Length}");
            var written = await File.ReadAllBytesAsync(fetched);
            Assert.True(Same(segment, written), $"durable {durable}, allocating zeros {allocateZeros}: the fetched segment differs");
            await AssertNoHoleAsync(fetched, segment.Length, $"durable {durable}, allocating zeros {allocateZeros}");
            Assert.Empty(Directory.EnumerateFiles(_root, ".*dataguard-*"));   // no temporary file left
        }
    }

    [Fact]
    public async Task Where_allocating_fails_the_zeros_are_written()
    {
        // A file system without fallocate: the first run of zeros is written, and so is every later one.
        var content = new byte[(5 * Block) + 100];
        content[0] = 1;
        content[(3 * Block) + 5] = 2;
        var file = Path.Combine(_root, "no-fallocate");
        var calls = 0;
        await using (var stream = new MemoryStream(content))
        {
            using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
            Assert.Equal(content.Length, await ZeroSkippingFileCopy.CopyAsync(stream, handle, (_, _, _) => { calls++; return false; }, CancellationToken.None));
        }

        Assert.Equal(1, calls);
        Assert.Equal(content, await File.ReadAllBytesAsync(file));
        await AssertNoHoleAsync(file, content.Length, "no fallocate");
    }

    [Fact]
    public async Task Allocation_that_stops_working_midway_still_gives_the_same_file()
    {
        // The first run is allocated, the second refused (no space left for it, say): its zeros and all later ones are written.
        var content = new byte[(12 * Block) + 7];
        content[Block + 3] = 9;
        content[(5 * Block) + 1] = 8;
        content[^1] = 7;
        var file = Path.Combine(_root, "midway");
        var calls = 0;
        await using (var stream = new MemoryStream(content))
        {
            using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
            await ZeroSkippingFileCopy.CopyAsync(stream, handle, (h, offset, count) => ++calls == 1 && NativeFileSystem.TryAllocate(h, offset, count), CancellationToken.None);
        }

        Assert.Equal(2, calls);
        Assert.Equal(content, await File.ReadAllBytesAsync(file));
        await AssertNoHoleAsync(file, content.Length, "midway");
    }

    [Fact]
    public async Task An_allocation_that_claims_success_and_does_nothing_is_caught_by_the_length_check()
    {
        // A file system that answers fallocate but does not extend the file (what the final length check is there for).
        var content = new byte[4 * Block];
        content[0] = 1;
        var file = Path.Combine(_root, "liar");
        await using var stream = new MemoryStream(content);
        using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
        var error = await Assert.ThrowsAsync<IOException>(() => ZeroSkippingFileCopy.CopyAsync(stream, handle, (_, _, _) => true, CancellationToken.None));
        Assert.Contains($"not the {content.Length} bytes copied", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Copies through the real allocation (or none) and returns how many runs fallocate took.</summary>
    private static async Task<int> CopyAsync(byte[] content, string file, Stream source, bool allocate)
    {
        var allocated = 0;
        await using (source)
        {
            using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
            var copied = await ZeroSkippingFileCopy.CopyAsync(source, handle, (h, offset, count) => allocate && NativeFileSystem.TryAllocate(h, offset, count) && ++allocated > 0, CancellationToken.None);
            Assert.Equal(content.Length, copied);
        }

        return allocated;
    }

    private static bool Same(byte[] expected, byte[] actual) => expected.AsSpan().SequenceEqual(actual);

    private static long FirstHole(string path)
    {
        using var file = File.OpenHandle(path);
        return Seek((int)file.DangerousGetHandle(), 0, 4);   // SEEK_HOLE
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "lseek")]
    private static partial long Seek(int descriptor, long offset, int whence);

    private static byte[] Generate(Random random)
    {
        var parts = new List<byte[]>();
        var pieces = random.Next(0, 9);
        for (var p = 0; p < pieces; p++)
        {
            var length = random.Next(6) switch
            {
                0 => random.Next(0, 64),
                1 => Block,
                2 => Block * random.Next(1, 20),
                3 => (Block * random.Next(1, 20)) + random.Next(-100, 100),
                _ => random.Next(0, 700_000),
            };
            var part = new byte[Math.Max(0, length)];
            switch (random.Next(4))
            {
                case 0:
                    random.NextBytes(part);
                    break;
                case 1 when part.Length > 0:
                    part[random.Next(part.Length)] = (byte)random.Next(1, 256);   // one byte in zeros
                    break;
                default:
                    break;   // zeros
            }

            parts.Add(part);
        }

        return [.. parts.SelectMany(p => p)];
    }

    private async Task AssertNoHoleAsync(string file, long length, string what)
    {
        var (code, output, error) = await Shell.RunAsync(_root, $"stat -c '%b %B %s' '{file}'");
        Assert.True(code == 0, error);
        var fields = output.Trim().Split(' ').Select(long.Parse).ToArray();
        Assert.Equal(length, fields[2]);
        var allocated = fields[0] * fields[1];
        Assert.True(allocated >= length / 4096 * 4096, $"{what}: {allocated} bytes allocated for a file of {length}: the zeros were left as a hole");
    }

    /// <summary>Hands out the content in reads of random sizes up to a limit.</summary>
    private sealed class ChunkedStream(byte[] content, int largest, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _random.Next(1, largest + 1)), content.Length - _position);
            content.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
