namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// A stream that overrides only <see cref="Stream.Read(byte[], int, int)"/>, as many older streams do, so that
/// <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/> on it rents a shared array as large as the memory
/// asked for; records the largest array it was handed.
/// </summary>
public sealed class ArrayReadsOnlyStream(Stream inner) : Stream
{
    private int _largestArray;

    /// <summary>Gets the length of the largest array a read was given.</summary>
    public int LargestArray => Volatile.Read(ref _largestArray);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int seen;
        while ((seen = Volatile.Read(ref _largestArray)) < buffer.Length && Interlocked.CompareExchange(ref _largestArray, buffer.Length, seen) != seen)
        {
        }

        return inner.Read(buffer, offset, count);
    }

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
}
