using System.Security.Cryptography;

namespace DataGuard.IO;

/// <summary>
/// A read-only, forward-only stream over another that computes the SHA-256 and the length of every byte read
/// through it, so a write can report its checksum without a second pass.
/// </summary>
internal sealed class HashingReadStream : ReadOnlyStream
{
    /// <summary>The most bytes <see cref="FillAsync"/> asks the inner stream for in one read.</summary>
    public const int MaxFillRead = 1024 * 1024;

    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _sha256;

    /// <summary>Initializes a new instance of the <see cref="HashingReadStream"/> class.</summary>
    /// <param name="inner">The stream to read; not disposed with this one.</param>
    public HashingReadStream(Stream inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>Gets the number of bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Gets a value indicating whether a read of the inner stream failed (the storage, not what was read, is at fault).</summary>
    public bool Faulted { get; private set; }

    /// <inheritdoc />
    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Finishes the hash once the inner stream is read to its end.</summary>
    /// <returns>The SHA-256 of every byte read, lower-case hexadecimal.</returns>
    public string GetSha256Hex() => _sha256 ??= Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch
        {
            Faulted = true;
            throw;
        }

        Append(buffer[..read]);
        return read;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Faulted = true;
            throw;
        }

        Append(buffer.Span[..read]);
        return read;
    }

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the stream ends, asking the inner stream for at most
    /// <see cref="MaxFillRead"/> bytes at a time: a stream that does not override <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>
    /// rents a shared array as large as each read asks for, which for the rest of a 512 MiB S3 part was a 512 MiB array.
    /// </summary>
    /// <param name="buffer">Where to put the bytes.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The number of bytes read; less than the buffer's length only at the end of the stream.</returns>
    public async ValueTask<int> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await ReadAsync(buffer.Slice(total, Math.Min(buffer.Length - total, MaxFillRead)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0)
        {
            _hash.AppendData(bytes);
            BytesRead += bytes.Length;
        }
    }
}
