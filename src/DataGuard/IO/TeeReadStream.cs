using System.Buffers;
using System.IO.Pipelines;

namespace DataGuard.IO;

/// <summary>
/// A read-only stream over another that copies every chunk read through it into a pipe before handing it on, and
/// completes the pipe at the end of the stream; a read that fails leaves the copy open (the owner abandons it). The pipe's reader paces the reads: a
/// slow consumer holds the reader back instead of buffering. A consumer that stops reading early is left behind: the
/// copy stops and the reads go on.
/// </summary>
internal sealed class TeeReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly PipeWriter _copy;
    private bool _copyDone;

    /// <summary>Initializes a new instance of the <see cref="TeeReadStream"/> class.</summary>
    /// <param name="inner">The stream to read; not disposed with this one.</param>
    /// <param name="copy">Where each chunk is copied; completed at the end of <paramref name="inner"/>.</param>
    public TeeReadStream(Stream inner, PipeWriter copy)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(copy);
        _inner = inner;
        _copy = copy;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A failed or cancelled read does not end the copy: the reader may try again (a cancelled pipe read consumes
        // nothing). Whoever owns the write ends it: CompleteAsync when it succeeded, AbandonAsync when it failed.
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            // A zero-byte read (a reader waiting for data without a buffer) is not the end.
            if (!buffer.IsEmpty)
            {
                await EndCopyAsync(null).ConfigureAwait(false);
            }
        }
        else if (!_copyDone)
        {
            // Not with the reader's token: these bytes are already taken from the inner stream, and a reader that
            // cancels one read and tries again must not lose them from the copy. The copy's own reader ends the wait
            // by completing (FlushResult.IsCompleted) or by reading on.
            var flushed = await _copy.WriteAsync(buffer[..read], CancellationToken.None).ConfigureAwait(false);
            _copyDone = flushed.IsCompleted;
        }

        return read;
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        if (read == 0)
        {
            if (!buffer.IsEmpty)
            {
                EndCopyAsync(null).AsTask().GetAwaiter().GetResult();
            }
        }
        else if (!_copyDone)
        {
            _copy.Write(buffer[..read]);
            _copyDone = _copy.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().IsCompleted;
        }

        return read;
    }

    /// <summary>
    /// Ends the copy normally: for a reader that has read every byte without the final read that returns 0 (the
    /// copy is complete when the inner stream is at its end).
    /// </summary>
    /// <returns>A task that completes when the copy has ended.</returns>
    public ValueTask CompleteAsync() => EndCopyAsync(null);

    /// <summary>Ends the copy with <paramref name="error"/> if it has not ended: for a reader that stops before the end.</summary>
    /// <param name="error">Why the copy ends early.</param>
    /// <returns>A task that completes when the copy has ended.</returns>
    public ValueTask AbandonAsync(Exception error) => EndCopyAsync(error);

    private async ValueTask EndCopyAsync(Exception? error)
    {
        if (_copyDone)
        {
            return;
        }

        _copyDone = true;
        await _copy.CompleteAsync(error).ConfigureAwait(false);
    }
}
