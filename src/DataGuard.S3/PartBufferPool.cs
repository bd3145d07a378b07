using DataGuard.IO;

namespace DataGuard.S3;

/// <summary>
/// The part buffers of one upload: at most <c>capacity</c> buffers of the part size, allocated on first use, reused, and
/// freed when the pool is disposed, so an upload holds a fixed amount of memory whatever the stream's length and gives
/// it back as soon as it ends. The buffers are native memory: as managed arrays they stayed resident in the large object
/// heap until the next full garbage collection, which a backup's verification that follows rarely causes
/// (docs/benchmarks.md); the shared array pool would hand out fresh large arrays and drop the old ones the same way.
/// </summary>
internal sealed class PartBufferPool(int partSize, int capacity) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Stack<NativeBuffer> _free = new();
    private readonly List<NativeBuffer> _all = [];
    private bool _disposed;

    /// <summary>Gets the most bytes of buffers this pool held at once: at most capacity x part size.</summary>
    public long PeakBytes
    {
        get
        {
            lock (_lock)
            {
                return (long)_all.Count * partSize;
            }
        }
    }

    /// <summary>Rents a buffer of the part size.</summary>
    /// <returns>The buffer; give it back with <see cref="Return"/>.</returns>
    /// <exception cref="InvalidOperationException">More than <c>capacity</c> buffers would be rented at once.</exception>
    public NativeBuffer Rent()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryPop(out var buffer))
            {
                return buffer;
            }

            if (_all.Count == capacity)
            {
                throw new InvalidOperationException($"More than {capacity} part buffers were asked for at once.");
            }

            // Not cleared: every read of a part stops at the length filled, and the pages of a short last part that are
            // never written are never touched.
            buffer = new NativeBuffer(partSize);
            _all.Add(buffer);
            return buffer;
        }
    }

    /// <summary>Gives a rented buffer back.</summary>
    /// <param name="buffer">The buffer.</param>
    public void Return(NativeBuffer buffer)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _free.Push(buffer);
            }
        }
    }

    /// <summary>Frees every buffer. A request body still open on one fails its next read instead of reading freed memory.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var buffer in _all)
            {
                ((IDisposable)buffer).Dispose();
            }

            _free.Clear();
        }
    }
}
