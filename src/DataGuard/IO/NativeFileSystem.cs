using System.Runtime.InteropServices;

namespace DataGuard.IO;

/// <summary>
/// What .NET has no API for (Linux and macOS, through libc): fsync of a directory, which makes a rename or a new entry
/// in it durable; a rename that never replaces (link), which <c>File.Move(overwrite: false)</c> is not: it checks
/// for the target, then renames over whatever appeared meanwhile; and (Linux) allocating a file's blocks without
/// writing them.
/// </summary>
internal static partial class NativeFileSystem
{
    private const string Library = "libc";
    private const int ReadOnly = 0;
    private const int InvalidArgument = 22;
    private const int NotSupported = 95;
    private const int Exists = 17;
    private const int NotPermitted = 1;
    private const int NoSystemCall = 38;
    private const uint SyncRangeWaitBefore = 1;
    private const uint SyncRangeWrite = 2;
    private const uint SyncRangeWaitAfter = 4;
    private const int Interrupted = 4;
    private static bool _syncRangeWorks = true;
    private static bool _allocateWorks = true;

    /// <summary>Flushes a directory's entries to disk.</summary>
    /// <param name="directory">The directory.</param>
    /// <exception cref="IOException">The directory could not be opened or flushed.</exception>
    public static void Sync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open the directory {directory} to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                var error = Marshal.GetLastPInvokeError();

                // Some file systems (a few FUSE and network ones) cannot fsync a directory: nothing more can be done there.
                if (error is not (InvalidArgument or NotSupported))
                {
                    throw new IOException($"Flushing the directory {directory} to disk failed (errno {error}): what was just written there may not survive a crash.");
                }
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>Gives <paramref name="source"/> the name <paramref name="target"/> unless that name exists, atomically; the source name stays.</summary>
    /// <param name="source">The file.</param>
    /// <param name="target">Its new name, in the same file system.</param>
    /// <returns><see langword="true"/> when linked; <see langword="false"/> when the target exists.</returns>
    /// <exception cref="PlatformNotSupportedException">Hard links are not available here (another OS, or a file system without them).</exception>
    /// <exception cref="IOException">The link failed for another reason.</exception>
    public static bool TryLinkNew(string source, string target)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException();
        }

        if (Link(source, target) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        return error switch
        {
            Exists => false,
            NotPermitted or InvalidArgument or NotSupported or NoSystemCall => throw new PlatformNotSupportedException($"link() is not supported for {target} (errno {error})."),
            _ => throw new IOException($"Linking {source} to {target} failed (errno {error})."),
        };
    }

    /// <summary>
    /// Starts writing a range of a file to disk without waiting (Linux <c>sync_file_range</c>), after waiting for the
    /// writes already started on an earlier range: so that a large file is on its way to disk while it is written and
    /// the <c>fsync</c> at its end, which stays the guarantee, is short. Does nothing elsewhere or when unsupported.
    /// </summary>
    /// <param name="file">The open file.</param>
    /// <param name="offset">Where the range to start starts.</param>
    /// <param name="count">Its length.</param>
    /// <param name="waitOffset">Where the earlier range to wait for starts.</param>
    /// <param name="waitCount">Its length (0: wait for nothing).</param>
    public static void StartWriteBack(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, long waitOffset, long waitCount)
    {
        if (!OperatingSystem.IsLinux() || !_syncRangeWorks)
        {
            return;
        }

        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            var descriptor = (int)file.DangerousGetHandle();
            if (waitCount > 0)
            {
                _ = SyncFileRange(descriptor, waitOffset, waitCount, SyncRangeWaitBefore | SyncRangeWrite | SyncRangeWaitAfter);
            }

            if (SyncFileRange(descriptor, offset, count, SyncRangeWrite) != 0
                && Marshal.GetLastPInvokeError() is NoSystemCall or NotSupported or InvalidArgument)
            {
                // Not on this kernel or file system: the final fsync does all the work, as without this.
                _syncRangeWorks = false;
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Allocates the blocks of a range of a file without writing them (Linux <c>fallocate</c>, mode 0): the range reads
    /// as zeros, the file grows to cover it, and a later write into it needs no new block (no ENOSPC there), as if the
    /// zeros had been written, but without copying them through the page cache.
    /// </summary>
    /// <param name="file">The open file.</param>
    /// <param name="offset">Where the range starts.</param>
    /// <param name="count">Its length.</param>
    /// <returns><see langword="false"/> where that is not possible (another OS, a 32-bit process, a file system without it, no space): write the zeros instead.</returns>
    public static bool TryAllocate(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return false;   // off_t is 64 bits for fallocate only in 64-bit processes
        }

        if (!_allocateWorks)
        {
            return false;
        }

        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                if (Fallocate((int)file.DangerousGetHandle(), 0, offset, count) == 0)
                {
                    return true;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case Interrupted:
                        continue;
                    case NotSupported or NoSystemCall:
                        _allocateWorks = false;   // not on this kernel or file system (NFSv3, 9p): not asked again
                        return false;
                    default:
                        return false;   // no space, an I/O error: writing the zeros reports it, or succeeds
                }
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int descriptor, int mode, long offset, long count);

    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int descriptor, long offset, long count, uint flags);

    [LibraryImport(Library, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string source, string target);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
