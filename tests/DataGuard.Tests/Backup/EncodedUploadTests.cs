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

    private sealed class ReadingStorage(IBackupStorage inner, ReadStyle style, int length) : DelegatingStorage(inner)
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
        {
            var read = new byte[style == ReadStyle.StopAfterOneMebibyte ? 1024 * 1024 : length];
            switch (style)
            {
                case ReadStyle.ExactLengthNoFinalZero:
                case ReadStyle.StopAfterOneMebibyte:
                    await content.ReadExactlyAsync(read, cancellationToken);
                    break;
                case ReadStyle.CancelledReadThenRetry:
                    var got = 0;
                    using (var cancelled = new CancellationTokenSource())
                    {
                        await cancelled.CancelAsync();
                        while (got < read.Length)
                        {
                            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await content.ReadAsync(read.AsMemory(got), cancelled.Token));
                            var r = await content.ReadAsync(read.AsMemory(got), cancellationToken);
                            Assert.NotEqual(0, r);
                            got += r;
                        }
                    }

                    Assert.Equal(0, await content.ReadAsync(new byte[1], cancellationToken));
                    break;
                case ReadStyle.ZeroByteReads:
                    var total = 0;
                    while (true)
                    {
                        Assert.Equal(0, await content.ReadAsync(Memory<byte>.Empty, cancellationToken));
                        var n = await content.ReadAsync(read.AsMemory(total, Math.Min(64 * 1024, read.Length - total)), cancellationToken);
                        if (n == 0)
                        {
                            break;
                        }

                        total += n;
                        if (total == read.Length)
                        {
                            Assert.Equal(0, await content.ReadAsync(new byte[1], cancellationToken));
                            break;
                        }
                    }

                    break;
            }

            return await Inner.WriteAsync(key, new MemoryStream(read), options, cancellationToken);
        }
    }
}
