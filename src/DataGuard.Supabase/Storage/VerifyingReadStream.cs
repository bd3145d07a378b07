using System.Security.Cryptography;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// Reads a stored blob and fails at its end when its bytes do not have the SHA-256 and length the manifest recorded,
/// before the writer it feeds can complete (a multipart upload's last part, a request body).
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, string expectedSha256, long expectedLength, string what) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expectedLength;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Check(buffer, inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Check(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
            inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Check(ReadOnlySpan<byte> buffer, int read)
    {
        _hash.AppendData(buffer[..read]);
        _read += read;
        if (read == 0 || _read > expectedLength)
        {
            var sha = Convert.ToHexStringLower(_hash.GetCurrentHash());
            if (_read != expectedLength || !string.Equals(sha, expectedSha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{what}: the stored copy does not match its manifest ({_read} bytes, SHA-256 {sha}; expected {expectedLength} bytes, {expectedSha256}); it was not restored.");
            }
        }

        return read;
    }
}
