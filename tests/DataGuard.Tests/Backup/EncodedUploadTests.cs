using System.IO.Pipelines;
using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;
using DataGuard.Testing;
using DataGuard.Tests.IO;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.Tests.Backup;

/// <summary>
/// EncodedUpload with storages that read their content in ways the built-in ones do not (third-party storages):
/// every byte without the final read that returns 0, zero-byte reads, or stopping early.
/// </summary>
public sealed class EncodedUploadTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dataguard-upload-{Guid.NewGuid():N}");
    private readonly ArchiveCodec _plain = new(new CompressionOptions { Algorithm = "None" }, EncryptionKeyRing.None);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData(ReadStyle.ExactLengthNoFinalZero, 1, 3 * 1024 * 1024 + 5)]
    [InlineData(ReadStyle.ExactLengthNoFinalZero, 2, 100)]
    [InlineData(ReadStyle.ZeroByteReads, 3, 2 * 1024 * 1024 + 1)]
    [InlineData(ReadStyle.ZeroByteReads, 4, 10)]
    [InlineData(ReadStyle.CancelledReadThenRetry, 5, 2 * 1024 * 1024 + 3)]
    public async Task A_storage_that_reads_every_byte_in_its_own_way_stores_it_and_the_copy_ends_complete(ReadStyle style, int seed, int length)
    {
        var bytes = RandomBytes(seed, length);
        var storage = new ReadingStorage(Real(), style, length);
        var copy = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
        var copied = PipeDrain.ReadAllAsync(copy.Reader);

        var (written, raw) = await EncodedUpload.WriteAsync(storage, "a/object", "object:a/object", _plain, StorageWriteOptions.CreateOnly, (writer, ct) => writer.WriteAsync(bytes, ct).AsTask(), copy.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(length, raw);
        Assert.Equal(length, written.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), written.Sha256);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_root, "a", "object")));
        Assert.Equal(bytes, await copied.WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_storage_that_reports_success_before_the_end_fails_the_write_and_leaves_nothing(bool withCopy)
    {
        var bytes = RandomBytes(5, 4 * 1024 * 1024);
        var storage = new ReadingStorage(Real(), ReadStyle.StopAfterOneMebibyte, bytes.Length);
        var copy = withCopy ? new Pipe() : null;
        var copied = copy is null ? null : PipeDrain.ReadAllAsync(copy.Reader);

        var ex = await Assert.ThrowsAsync<StorageException>(() => EncodedUpload.WriteAsync(storage, "a/short", "object:a/short", _plain, StorageWriteOptions.CreateOnly, (writer, ct) => writer.WriteAsync(bytes, ct).AsTask(), copy?.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains("before reading its content to the end", ex.Message, StringComparison.Ordinal);
        Assert.Equal("a/short", ex.Key);
        Assert.False(File.Exists(Path.Combine(_root, "a", "short")), "the incomplete object is deleted");
        if (copied is not null)
        {
            // The copy ends with the failure, not as a complete archive.
            await Assert.ThrowsAsync<StorageException>(() => copied.WaitAsync(TimeSpan.FromMinutes(1)));
        }
    }

    /// <summary>
    /// Generated writes (seeded): compression on or off, encryption on or off, lengths from empty to several MiB of
    /// compressible or random bytes, written in random pieces, read by storages in each of their ways. The copy is the
    /// stored object byte for byte, and it decodes to what was written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Generated_writes_copy_exactly_what_is_stored_and_the_copy_decodes_to_the_raw_bytes(int seed)
    {
        var random = new Random(seed);
        var compressed = random.Next(2) == 0;
        var keys = random.Next(2) == 0 ? EncryptionKeyRing.None : new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = RandomBytes(seed, 32) });
        var codec = new ArchiveCodec(new CompressionOptions { Algorithm = compressed ? "Zstd" : "None", Level = 1 }, keys);
        var length = random.Next(4) switch { 0 => 0, 1 => random.Next(1, 5000), 2 => random.Next(5000, 300_000), _ => random.Next(300_000, 3 * 1024 * 1024) };
        var raw = random.Next(2) == 0 ? RandomBytes(seed, length) : Enumerable.Range(0, length).Select(i => (byte)(i / 97 % 251)).ToArray();
        var style = random.Next(3) switch { 0 => ReadStyle.ZeroByteReads, 1 => ReadStyle.CancelledReadThenRetry, _ => ReadStyle.ReadToTheEnd };
        var key = $"g/{seed}";
        var copy = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
        var copied = PipeDrain.ReadAllAsync(copy.Reader, slowly: random.Next(4) == 0);
        var pieces = random.Next(1, 64 * 1024);

        var (written, rawBytes) = await EncodedUpload.WriteAsync(new ReadingStorage(Real(), style), key, $"object:{key}", codec, StorageWriteOptions.CreateOnly, async (writer, ct) =>
        {
            for (var offset = 0; offset < raw.Length; offset += pieces)
            {
                await writer.WriteAsync(raw.AsMemory(offset, Math.Min(pieces, raw.Length - offset)), ct);
            }
        }, copy.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        var stored = await File.ReadAllBytesAsync(Path.Combine(_root, "g", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var copyBytes = await copied.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(raw.Length, rawBytes);
        Assert.Equal(stored.Length, written.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), written.Sha256);
        Assert.Equal(stored, copyBytes);
        using var decoded = ArchiveCodec.OpenReader(new MemoryStream(copyBytes), compressed, keys.CurrentKeyId is not null, keys, $"object:{key}");
        var back = new MemoryStream();
        await decoded.CopyToAsync(back);
        Assert.Equal(raw, back.ToArray());
    }

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 100; seed < 140; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Fact]
    public async Task A_producer_that_fails_after_the_storage_reported_success_leaves_nothing_and_its_error_is_reported()
    {
        var bytes = RandomBytes(6, 300_000);
        var storage = new ReadingStorage(Real(), ReadStyle.ExactLengthNoFinalZero, bytes.Length);
        var copy = new Pipe();
        var copied = PipeDrain.ReadAllAsync(copy.Reader);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => EncodedUpload.WriteAsync(storage, "a/failed", "object:a/failed", _plain, StorageWriteOptions.CreateOnly, async (writer, ct) =>
        {
            await writer.WriteAsync(bytes, ct);
            await Task.Delay(300, ct); // the storage has read every byte and reported success meanwhile
            throw new InvalidDataException("pg_dump: error: simulated failure after the last byte");
        }, copy.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains("simulated failure after the last byte", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "a", "failed")), "an object whose producer failed is deleted");
        await Assert.ThrowsAnyAsync<Exception>(() => copied.WaitAsync(TimeSpan.FromMinutes(1)));
    }

    public enum ReadStyle
    {
        /// <summary>Reads exactly the content's known length (ReadExactly), never the read that returns 0.</summary>
        ExactLengthNoFinalZero,

        /// <summary>A zero-byte read before every read (waiting for data without a buffer), then reads to the end.</summary>
        ZeroByteReads,

        /// <summary>Every other read is made with a token already cancelled (a per-read timeout), then made again.</summary>
        CancelledReadThenRetry,

        /// <summary>Reads until a read returns 0, as the built-in storages do.</summary>
        ReadToTheEnd,

        /// <summary>Reads 1 MiB, stores it, and reports success.</summary>
        StopAfterOneMebibyte,
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private FileSystemBackupStorage Real() => new(new FileSystemStorageOptions { Root = _root }, NullLogger<FileSystemBackupStorage>.Instance);

    /// <summary>A storage that reads its content in one of the <see cref="ReadStyle"/> ways (length -1: unknown, read until 0).</summary>
    private sealed class ReadingStorage(IBackupStorage inner, ReadStyle style, int length = -1) : DelegatingStorage(inner)
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (style is ReadStyle.ExactLengthNoFinalZero or ReadStyle.StopAfterOneMebibyte)
            {
                var exact = new byte[style == ReadStyle.StopAfterOneMebibyte ? 1024 * 1024 : length];
                await content.ReadExactlyAsync(exact, cancellationToken);
                return await Inner.WriteAsync(key, new MemoryStream(exact), options, cancellationToken);
            }

            var read = new MemoryStream();
            var chunk = new byte[64 * 1024];
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            while (true)
            {
                if (style == ReadStyle.ZeroByteReads)
                {
                    Assert.Equal(0, await content.ReadAsync(Memory<byte>.Empty, cancellationToken));
                }
                else if (style == ReadStyle.CancelledReadThenRetry)
                {
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await content.ReadAsync(chunk, cancelled.Token));
                }

                var n = await content.ReadAsync(chunk, cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read.Write(chunk, 0, n);
            }

            Assert.True(length < 0 || read.Length == length, $"read {read.Length} bytes, expected {length}");
            read.Position = 0;
            return await Inner.WriteAsync(key, read, options, cancellationToken);
        }
    }
}
