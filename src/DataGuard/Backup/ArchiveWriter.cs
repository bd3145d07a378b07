using DataGuard.Backup.Encryption;
using ZstdSharp;

namespace DataGuard.Backup;

/// <summary>The write side of <see cref="ArchiveCodec"/>: write the raw archive, then <see cref="CompleteAsync"/>.</summary>
internal sealed class ArchiveWriter : IAsyncDisposable
{
    private readonly Stream? _zstd;
    private readonly EncryptingStream? _encrypting;
    private readonly Stream _output;
    private bool _completed;

    internal ArchiveWriter(Stream? zstd, EncryptingStream? encrypting, Stream output)
    {
        _zstd = zstd;
        _encrypting = encrypting;
        _output = output;
    }

    /// <summary>Gets the number of raw bytes written.</summary>
    public long RawBytes { get; private set; }

    /// <summary>Writes raw archive bytes.</summary>
    /// <param name="buffer">The bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        Stream target = (Stream?)_zstd ?? (Stream?)_encrypting ?? _output;
        await target.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        RawBytes += buffer.Length;
    }

    /// <summary>Ends the zstd frame and the encryption's final chunk, and flushes the output.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>A task.</returns>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_zstd is not null)
        {
            await _zstd.DisposeAsync().ConfigureAwait(false);
        }

        if (_encrypting is not null)
        {
            await _encrypting.FinishAsync(cancellationToken).ConfigureAwait(false);
            await _encrypting.DisposeAsync().ConfigureAwait(false);
        }

        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }

        // Incomplete: free the compressor. The encryption's final chunk is never written, so the output cannot
        // pass for a complete archive; the caller fails the write that carries it.
        try
        {
            if (_zstd is not null)
            {
                await _zstd.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The output is already broken: nothing more to release.
        }
    }
}
