using System.Security.Cryptography;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// A write-only stream that encrypts what is written to it into <c>inner</c> in DataGuard's chunked AES-256-GCM format
/// (version 2: a subkey of its own, bound to a context).
/// <see cref="Stream.DisposeAsync"/> writes the final chunk; without it the output reads as truncated.
/// </summary>
internal sealed class EncryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly byte[] _plain;
    private readonly byte[] _cipher;
    private readonly byte[] _aadMore;
    private readonly byte[] _aadFinal;
    private int _filled;
    private ulong _index;
    private bool _headerWritten;
    private bool _finished;

    /// <summary>Initializes a new instance of the <see cref="EncryptingStream"/> class (format version 2).</summary>
    /// <param name="inner">Where the encrypted bytes go.</param>
    /// <param name="keyId">The id recorded in the header.</param>
    /// <param name="key">The 32-byte master key; the archive is encrypted under a subkey derived from it and a random salt.</param>
    /// <param name="context">What the archive is bound to (<see cref="ArchiveContexts"/>): a reader expecting another context refuses it.</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="inner"/> open on dispose.</param>
    /// <param name="chunkSize">Plaintext bytes per chunk.</param>
    public EncryptingStream(Stream inner, string keyId, byte[] key, string context, bool leaveOpen = false, int chunkSize = ChunkedAesGcmFormat.DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(context);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, ChunkedAesGcmFormat.MaxChunkSize);
        _inner = inner;
        _leaveOpen = leaveOpen;
        var salt = RandomNumberGenerator.GetBytes(ChunkedAesGcmFormat.SaltSize);
        var (subkey, keyCheck) = ChunkedAesGcmFormat.DeriveSubkey(key, salt);
        _aes = new AesGcm(subkey, ChunkedAesGcmFormat.TagSize);
        CryptographicOperations.ZeroMemory(subkey);
        _header = ChunkedAesGcmFormat.BuildHeader(keyId, keyCheck, chunkSize, salt, context);
        _plain = new byte[chunkSize];
        _cipher = new byte[chunkSize + ChunkedAesGcmFormat.TagSize];
        _aadMore = ChunkedAesGcmFormat.AssociatedData(_header, final: false);
        _aadFinal = ChunkedAesGcmFormat.AssociatedData(_header, final: true);
    }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => !_finished;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
        while (buffer.Length > 0)
        {
            if (_filled == _plain.Length)
            {
                // More data follows, so the full chunk is not the last one.
                await WriteChunkAsync(final: false, cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer.Span[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <summary>Writes the final chunk (possibly empty) and flushes. Called by dispose; safe to call once before.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    public async ValueTask FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return;
        }

        await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
        await WriteChunkAsync(final: true, cancellationToken).ConfigureAwait(false);
        _finished = true;
        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await FinishAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                FinishAsync().AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                _aes.Dispose();
                if (!_leaveOpen)
                {
                    _inner.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteHeaderOnceAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            _headerWritten = true;
            await _inner.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteChunkAsync(bool final, CancellationToken cancellationToken)
    {
        Span<byte> nonce = stackalloc byte[ChunkedAesGcmFormat.NonceSize];
        ChunkedAesGcmFormat.Nonce(ChunkedAesGcmFormat.Version2, [], _index, nonce);
        _aes.Encrypt(nonce, _plain.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), _cipher.AsSpan(_filled, ChunkedAesGcmFormat.TagSize), final ? _aadFinal : _aadMore);
        await _inner.WriteAsync(_cipher.AsMemory(0, _filled + ChunkedAesGcmFormat.TagSize), cancellationToken).ConfigureAwait(false);
        _index = checked(_index + 1);
        _filled = 0;
    }
}
