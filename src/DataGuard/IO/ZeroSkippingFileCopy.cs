using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace DataGuard.IO;

/// <summary>
/// Copies a stream into a new file, leaving each run of zeros (whole blocks of <see cref="Block"/> bytes at offsets
/// that are multiples of it) allocated but not written (<see cref="NativeFileSystem.TryAllocate"/>): the file reads
/// exactly as if every byte had been written and its blocks are reserved (a later write into the run needs no new
/// block), but the zeros are not copied through the page cache. A WAL segment closed early (<c>archive_timeout</c>,
/// <c>pg_switch_wal()</c>, a backup's start and end) is zeros after its last record, and writing those 16 MiB was the
/// largest cost of restoring it. Where allocation is not available (another OS or file system), the zeros are written.
/// </summary>
internal static class ZeroSkippingFileCopy
{
    /// <summary>The granularity of the runs of zeros left unwritten.</summary>
    internal const int Block = 64 * 1024;

    private const int BufferSize = 16 * Block;
    private static byte[]? _zeros;

    /// <summary>Copies <paramref name="source"/> to the start of <paramref name="destination"/>, a new, empty file.</summary>
    /// <param name="source">What to copy.</param>
    /// <param name="destination">The file, open for writing, empty.</param>
    /// <param name="allocateZeros">Whether runs of zeros are allocated (<see langword="false"/>: every byte is written).</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The number of bytes copied, which is the file's length.</returns>
    /// <exception cref="IOException">A write failed, or the file's length is not what was copied.</exception>
    public static Task<long> CopyAsync(Stream source, SafeFileHandle destination, bool allocateZeros, CancellationToken cancellationToken) =>
        CopyAsync(source, destination, allocateZeros ? NativeFileSystem.TryAllocate : null, cancellationToken);

    /// <summary>The copy, with the allocation it uses (tests give one that fails, as a file system without it does).</summary>
    /// <param name="source">What to copy.</param>
    /// <param name="destination">The file, open for writing, empty.</param>
    /// <param name="tryAllocate">Allocates a range of the file, or returns <see langword="false"/>; <see langword="null"/>: every byte is written.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The number of bytes copied, which is the file's length.</returns>
    internal static async Task<long> CopyAsync(Stream source, SafeFileHandle destination, Func<SafeFileHandle, long, long, bool>? tryAllocate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long position = 0;     // where the current fill starts in the file
        long zerosFrom = -1;   // where the run of zero blocks not yet allocated starts in the file, or -1
        try
        {
            int filled;
            while ((filled = await FillAsync(source, buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                // Every fill but the last is full, so each block starts at a multiple of Block in the file; consecutive
                // blocks that are not zeros go out in one write.
                var dataFrom = -1;   // where the blocks to write start in the buffer, or -1
                for (var offset = 0; offset < filled; offset += Block)
                {
                    if (tryAllocate is not null && filled - offset >= Block && !buffer.AsSpan(offset, Block).ContainsAnyExcept((byte)0))
                    {
                        if (dataFrom >= 0)
                        {
                            await RandomAccess.WriteAsync(destination, buffer.AsMemory(dataFrom, offset - dataFrom), position + dataFrom, cancellationToken).ConfigureAwait(false);
                            dataFrom = -1;
                        }

                        zerosFrom = zerosFrom < 0 ? position + offset : zerosFrom;
                    }
                    else
                    {
                        if (zerosFrom >= 0)
                        {
                            // Once allocating fails, later zeros are written (tryAllocate is not asked again).
                            tryAllocate = await EndZerosAsync(destination, zerosFrom, position + offset, tryAllocate, cancellationToken).ConfigureAwait(false) ? tryAllocate : null;
                            zerosFrom = -1;
                        }

                        dataFrom = dataFrom < 0 ? offset : dataFrom;
                    }
                }

                if (dataFrom >= 0)
                {
                    await RandomAccess.WriteAsync(destination, buffer.AsMemory(dataFrom, filled - dataFrom), position + dataFrom, cancellationToken).ConfigureAwait(false);
                }

                position += filled;
            }

            if (zerosFrom >= 0)
            {
                await EndZerosAsync(destination, zerosFrom, position, tryAllocate, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var length = RandomAccess.GetLength(destination);
        return length == position
            ? position
            : throw new IOException($"The file written is {length} bytes long, not the {position} bytes copied into it.");
    }

    /// <summary>Allocates the run of zeros [from, to) or, where that is not possible, writes it.</summary>
    /// <returns>Whether allocating worked (when not, the rest of the copy writes its zeros).</returns>
    private static async Task<bool> EndZerosAsync(SafeFileHandle destination, long from, long to, Func<SafeFileHandle, long, long, bool>? tryAllocate, CancellationToken cancellationToken)
    {
        if (tryAllocate is not null && tryAllocate(destination, from, to - from))
        {
            return true;
        }

        var zeros = _zeros ??= new byte[BufferSize];
        for (var position = from; position < to; position += zeros.Length)
        {
            await RandomAccess.WriteAsync(destination, zeros.AsMemory(0, (int)Math.Min(zeros.Length, to - position)), position, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < BufferSize && (read = await source.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}
