using System.Runtime.InteropServices;

namespace DataGuard.IO;

/// <summary>
/// The owner, mode and type of a path without following a final symbolic link (Linux <c>statx</c>, whose layout is the
/// same on every architecture), and the effective user id: what the staging sweep needs to touch only folders it owns.
/// </summary>
internal static partial class NativeStat
{
    private const string Library = "libc";
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int FileTypeMask = 0xF000;
    private const int ClockRealtimeCoarse = 5;

    /// <summary>Gets a value indicating whether this platform is supported (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Gets the effective user id of this process.</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>The owner and mode of <paramref name="path"/>, itself when it is a link.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Its owner's uid and its mode (type and permission bits), or <see langword="null"/> when it cannot be read.</returns>
    public static (uint Uid, int Mode)? Of(string path)
    {
        if (!TryStatx(path, AtSymlinkNoFollow, out var statx))
        {
            return null;
        }

        ReadOnlySpan<byte> buffer = statx;

        // struct statx: stx_uid at 20 (u32), stx_mode at 28 (u16).
        var uid = MemoryMarshal.Read<uint>(buffer[20..]);
        var mode = MemoryMarshal.Read<ushort>(buffer[28..]);
        return (uid, mode);
    }

    /// <summary>The identity of the file <paramref name="path"/> names, links followed: two paths to the same file (a link, a linked folder) have the same one.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Its device and inode numbers, or <see langword="null"/> when it cannot be read or the platform is not Linux.</returns>
    public static (ulong Device, ulong Inode)? IdentityOf(string path)
    {
        if (!TryStatx(path, 0, out var statx))
        {
            return null;
        }

        ReadOnlySpan<byte> buffer = statx;

        // struct statx: stx_ino at 32 (u64), stx_dev_major at 136 and stx_dev_minor at 140 (u32).
        var inode = MemoryMarshal.Read<ulong>(buffer[32..]);
        var device = ((ulong)MemoryMarshal.Read<uint>(buffer[136..]) << 32) | MemoryMarshal.Read<uint>(buffer[140..]);
        return (device, inode);
    }

    /// <summary>
    /// The version of the file <paramref name="path"/> names, links followed (inode, modification and change times to the
    /// nanosecond, size; its text is what <c>stat -c '%i %.9Y %.9Z %s'</c> prints): a shell command compares it with what
    /// DataGuard recorded. The change time moves with every write and every change of the modification time (which user
    /// space can set, as <c>cp -p</c>, <c>touch -r</c> and <c>rsync -t</c> do); user space cannot set it.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <returns>The version, or <see langword="null"/> when it cannot be read or the platform is not Linux.</returns>
    public static FileVersion? VersionOf(string path)
    {
        if (!TryStatx(path, 0, out var statx))
        {
            return null;
        }

        ReadOnlySpan<byte> buffer = statx;

        // struct statx: stx_ino at 32 (u64), stx_size at 40 (u64), stx_ctime at 96 and stx_mtime at 112 (tv_sec i64, tv_nsec u32).
        var inode = MemoryMarshal.Read<ulong>(buffer[32..]);
        var size = MemoryMarshal.Read<ulong>(buffer[40..]);
        return new FileVersion(
            inode,
            ModifiedSeconds: MemoryMarshal.Read<long>(buffer[112..]),
            ModifiedNanoseconds: MemoryMarshal.Read<uint>(buffer[120..]),
            ChangedSeconds: MemoryMarshal.Read<long>(buffer[96..]),
            ChangedNanoseconds: MemoryMarshal.Read<uint>(buffer[104..]),
            size);
    }

    /// <summary>
    /// The clock the kernel stamps file times with (<c>CLOCK_REALTIME_COARSE</c>: the real time as of the last tick,
    /// 1-10 ms behind), in nanoseconds since 1970.
    /// </summary>
    /// <returns>The time in nanoseconds since 1970.</returns>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    /// <exception cref="InvalidOperationException">The clock cannot be read.</exception>
    public static long CoarseRealTime()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("The kernel's coarse real-time clock is read on Linux only.");
        }

        // struct timespec is two C longs (time_t, long): nint on 64-bit and 32-bit Linux alike.
        Span<nint> time = stackalloc nint[2];
        if (ClockGetTime(ClockRealtimeCoarse, ref MemoryMarshal.GetReference(time)) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_REALTIME_COARSE) failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return ((long)time[0] * 1_000_000_000) + time[1];
    }

    /// <summary>Whether a mode is a directory's.</summary>
    /// <param name="mode">The mode from <see cref="Of"/>.</param>
    /// <returns><see langword="true"/> for a directory.</returns>
    public static bool IsDirectory(int mode) => (mode & FileTypeMask) == 0x4000;

    /// <summary>Whether a mode is a regular file's (not a link, a device, a pipe).</summary>
    /// <param name="mode">The mode from <see cref="Of"/>.</param>
    /// <returns><see langword="true"/> for a regular file.</returns>
    public static bool IsRegularFile(int mode) => (mode & FileTypeMask) == 0x8000;

    /// <summary>Reads <c>struct statx</c> of a path (256 bytes); <see langword="false"/> when it cannot be read or the platform is not Linux.</summary>
    private static bool TryStatx(string path, int flags, out StatxBuffer buffer)
    {
        buffer = default;
        if (!IsSupported)
        {
            return false;
        }

        try
        {
            return Statx(AtFdCwd, path, flags, StatxBasicStats, ref buffer[0]) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a C library without statx (glibc before 2.28, older musl): callers do without
        }
    }

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, ref nint timespec);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [System.Runtime.CompilerServices.InlineArray(256)]
    private struct StatxBuffer
    {
        private byte _first;
    }
}
