using System.Globalization;

namespace DataGuard.IO;

/// <summary>
/// A file's version as <see cref="NativeStat.VersionOf"/> reads it: inode, modification and change times (seconds and
/// nanoseconds, as the kernel keeps them), size. Its text (<see cref="ToString"/>) is what
/// <c>stat -c '%i %.9Y %.9Z %s'</c> prints for times from 1970 on (before, stat signs the whole value and this does not,
/// so such a record never matches and the file is pushed again), which a shell command compares with what DataGuard
/// recorded.
/// </summary>
/// <param name="Inode">The inode number.</param>
/// <param name="ModifiedSeconds">The modification time's seconds since 1970.</param>
/// <param name="ModifiedNanoseconds">The modification time's nanoseconds.</param>
/// <param name="ChangedSeconds">The change time's (every write, every change of the modification time) seconds since 1970.</param>
/// <param name="ChangedNanoseconds">The change time's nanoseconds.</param>
/// <param name="Size">The size in bytes.</param>
internal readonly record struct FileVersion(ulong Inode, long ModifiedSeconds, uint ModifiedNanoseconds, long ChangedSeconds, uint ChangedNanoseconds, ulong Size)
{
    /// <summary>Gets the change time in nanoseconds since 1970.</summary>
    public long Changed => (ChangedSeconds * 1_000_000_000L) + ChangedNanoseconds;

    /// <summary>
    /// Gets an upper bound of the filesystem's timestamp granularity, read from the change time: 10 to the power of its
    /// nanoseconds' trailing decimal zeros (a filesystem stamping at 1 us leaves at least three), 2 s when there are no
    /// nanoseconds (whole-second filesystems; FAT's 2 s).
    /// </summary>
    public long ChangeGranularity
    {
        get
        {
            if (ChangedNanoseconds == 0)
            {
                return 2_000_000_000L;
            }

            var granularity = 1L;
            for (var rest = ChangedNanoseconds; rest % 10 == 0; rest /= 10)
            {
                granularity *= 10;
            }

            return granularity;
        }
    }

    /// <summary>The version as <c>stat -c '%i %.9Y %.9Z %s'</c> prints it.</summary>
    /// <returns>Inode, modification time, change time (seconds, a point, nine digits of nanoseconds) and size.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Inode} {ModifiedSeconds}.{ModifiedNanoseconds:D9} {ChangedSeconds}.{ChangedNanoseconds:D9} {Size}");
}
