using ZstdSharp;

namespace DataGuard.Backup;

/// <summary>A zstd decompressing stream whose corrupt-input errors are <see cref="ArchiveIntegrityException"/>.</summary>
internal sealed class ZstdReadStream(Stream inner) : Stream
{
    private readonly DecompressionStream _zstd = new(inner, leaveOpen: false);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _zstd.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (ZstdException ex)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Malformed, $"The archive does not decompress: {ex.Message}.", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, "The archive's compressed data ends early.", ex);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _zstd.Dispose();
        }

        base.Dispose(disposing);
    }
}
