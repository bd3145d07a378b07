using System.Buffers;

namespace DataGuard.IO;

/// <summary>
/// A buffer in native memory that is given back to the operating system when it is disposed (<see cref="PageMemory"/>),
/// not when the garbage collector next runs a full collection: for large, short-lived buffers (S3 part buffers) that would otherwise stay in the large object heap,
/// resident, after their last use. Streams from <see cref="OpenRead"/> check under a lock that the memory is still
/// there, so a read after disposal throws <see cref="ObjectDisposedException"/> instead of touching freed memory.
/// The owner writes through <see cref="MemoryManager{T}.Memory"/> and must not dispose while it does; it has no finalizer
/// (a span could outlive it), so the owner must dispose it.
/// </summary>
internal sealed unsafe class NativeBuffer : MemoryManager<byte>
{
    private readonly Lock _lock = new();
    private byte* _pointer;

    /// <summary>Initializes a new instance of the <see cref="NativeBuffer"/> class: <paramref name="length"/> bytes, not necessarily cleared.</summary>
    /// <param name="length">The size in bytes.</param>
    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        _pointer = PageMemory.Allocate(length);
        Length = length;
    }

    /// <summary>Gets the size in bytes.</summary>
    public int Length { get; }

    /// <inheritdoc />
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new Span<byte>(_pointer, Length);
    }

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
        // Native memory does not move.
    }

    /// <summary>Opens a read-only, seekable stream over the first <paramref name="length"/> bytes.</summary>
    /// <param name="length">How many bytes the stream has.</param>
    /// <returns>The stream; disposing it leaves the buffer alone.</returns>
    public Stream OpenRead(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)Length, nameof(length));
        return new NativeBufferReadStream(this, length);
    }

    /// <summary>Copies bytes from <paramref name="position"/> (up to <paramref name="end"/>) into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes copied.</returns>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    internal int Read(long position, int end, Span<byte> destination)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            var count = (int)Math.Clamp(end - position, 0, destination.Length);
            new ReadOnlySpan<byte>(_pointer + position, count).CopyTo(destination);
            return count;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        lock (_lock)
        {
            if (_pointer != null)
            {
                PageMemory.Free(_pointer, Length);
                _pointer = null;
            }
        }
    }
}
