namespace DataGuard.IO;

/// <summary>
/// A read-only stream that holds back the last bytes of another until a check of the whole has passed: when the
/// inner stream ends, <c>verify</c> runs (for example: the stored bytes' SHA-256 against the manifest), and the
/// held-back tail is handed out only if it succeeds. A consumer that needs every byte to finish (pg_restore, a tar
/// reader) therefore cannot complete, let alone commit, from bytes that fail the check.
/// </summary>
internal sealed class VerifiedEndReadStream : ReadOnlyStream
{
    /// <summary>The bytes held back by default: more than any archive format's closing structure.</summary>
    public const int DefaultTail = 64 * 1024;

    private readonly Stream _inner;
    private readonly Stream? _underlying;
    private readonly Func<CancellationToken, Task> _verify;
    private readonly int _tail;
    private readonly byte[] _buffer;
    private int _start;
    private int _count;
    private bool _ended;
    private bool _verified;

    /// <summary>Initializes a new instance of the <see cref="VerifiedEndReadStream"/> class.</summary>
    /// <param name="inner">The stream to read; disposed with this one.</param>
    /// <param name="verify">Runs once the inner stream has ended; throws when the bytes must not be used.</param>
    /// <param name="tail">How many bytes to hold back.</param>
    /// <param name="underlying">A stream under <paramref name="inner"/> that it does not dispose itself; disposed with this one.</param>
    public VerifiedEndReadStream(Stream inner, Func<CancellationToken, Task> verify, int tail = DefaultTail, Stream? underlying = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(verify);
        ArgumentOutOfRangeException.ThrowIfLessThan(tail, 1);
        _inner = inner;
        _underlying = underlying;
        _verify = verify;
        _tail = tail;
        _buffer = new byte[Math.Max(tail * 2, 1024 * 1024)];
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (true)
        {
            var available = _verified ? _count : _count - _tail;
            if (available > 0)
            {
                var take = Math.Min(available, buffer.Length);
                _buffer.AsSpan(_start, take).CopyTo(buffer.Span);
                _start += take;
                _count -= take;
                return take;
            }

            if (_ended)
            {
                if (_verified)
                {
                    return 0;
                }

                await _verify(cancellationToken).ConfigureAwait(false);
                _verified = true;
                continue;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _count).CopyTo(_buffer);
                _start = 0;
            }

            var read = await _inner.ReadAsync(_buffer.AsMemory(_count), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
            }
            else
            {
                _count += read;
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _underlying?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        if (_underlying is not null)
        {
            await _underlying.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
