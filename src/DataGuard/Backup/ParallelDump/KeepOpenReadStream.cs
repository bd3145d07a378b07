using DataGuard.IO;

namespace DataGuard.Backup.ParallelDump;

/// <summary>Reads another stream and leaves it open when disposed (the decoders dispose what they read).</summary>
internal sealed class KeepOpenReadStream(Stream inner) : ReadOnlyStream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);
}
