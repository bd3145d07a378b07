using DataGuard.Compression;
using ZstdSharp;

namespace DataGuard.Backup;

/// <summary>
/// A zstd decompressing stream (the system's libzstd when it has one, the managed port otherwise) whose corrupt-input
/// errors are <see cref="ArchiveIntegrityException"/>.
/// </summary>
internal sealed class ZstdReadStream(Stream inner, bool useNativeLibrary = true) : DataGuard.IO.ReadOnlyStream
{
    private readonly Stream _zstd = useNativeLibrary && NativeZstd.IsAvailable
        ? new NativeZstdDecompressionStream(inner)
        : new DecompressionStream(inner, leaveOpen: false);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _zstd.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ZstdException or InvalidDataException)
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
