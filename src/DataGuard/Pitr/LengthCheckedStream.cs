using DataGuard.Storage;

namespace DataGuard.Pitr;

/// <summary>
/// A read-only stream over a stored object that fails at its end unless exactly the object's listed size was read: a
/// download cut short that still ends cleanly (an empty or truncated body on a closed connection) is an error, never a
/// shorter file. zstd cannot tell on its own: an empty input is no frame at all, not a damaged one.
/// </summary>
internal sealed class LengthCheckedStream(Stream inner, long expected, string what) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

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
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _read += read;
        if ((read == 0 && _read != expected) || _read > expected)
        {
            throw new StorageException($"{what}: the download ended after {_read} of its {expected} bytes (a cut connection?); nothing was written.");
        }

        return read;
    }
}
