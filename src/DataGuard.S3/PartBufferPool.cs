using System.Collections.Concurrent;

namespace DataGuard.S3;

/// <summary>
/// The part buffers of one upload: at most <c>capacity</c> arrays of the part size, allocated on first use and reused,
/// so an upload holds a fixed amount of memory whatever the stream's length. (The shared array pool would hand out
/// fresh large arrays and leave the old ones to the garbage collector, letting the working set drift upwards.)
/// </summary>
internal sealed class PartBufferPool(int partSize, int capacity)
{
    private readonly ConcurrentBag<byte[]> _free = [];
    private int _allocated;

    public byte[] Rent()
    {
        if (_free.TryTake(out var buffer))
        {
            return buffer;
        }

        return Interlocked.Increment(ref _allocated) <= capacity
            ? new byte[partSize]
            : throw new InvalidOperationException($"More than {capacity} part buffers were asked for at once.");
    }

    public void Return(byte[] buffer) => _free.Add(buffer);
}
