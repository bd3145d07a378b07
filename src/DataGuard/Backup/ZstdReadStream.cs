using ZstdSharp;

namespace DataGuard.Backup;

/// <summary>A zstd decompressing stream whose corrupt-input errors are <see cref="ArchiveIntegrityException"/>.</summary>
internal sealed class ZstdReadStream(Stream inner) : DataGuard.IO.ReadOnlyStream
{
    private readonly DecompressionStream _zstd = new(inner, leaveOpen: false);

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _zstd.Dispose();
        }

        base.Dispose(disposing);
    }
}
