using System.Globalization;

namespace DataGuard.Pitr;

/// <summary>WAL segment names as numbers, for gap detection: <c>TTTTTTTT XXXXXXXX YYYYYYYY</c> is segment X * (4 GiB / segment size) + Y.</summary>
internal static class WalSegmentNumbers
{
    /// <summary>The segment number of a segment name.</summary>
    /// <param name="name">A 24-digit segment name.</param>
    /// <param name="segmentSize">The WAL segment size.</param>
    /// <returns>The number.</returns>
    public static ulong Of(string name, long segmentSize)
    {
        ArgumentNullException.ThrowIfNull(name);
        var log = ulong.Parse(name.AsSpan(8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var seg = ulong.Parse(name.AsSpan(16, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (log * PerLogFile(segmentSize)) + seg;
    }

    /// <summary>The segment name of a number on a timeline.</summary>
    /// <param name="timeline">The timeline, 8 hexadecimal digits.</param>
    /// <param name="number">The segment number.</param>
    /// <param name="segmentSize">The WAL segment size.</param>
    /// <returns>The name.</returns>
    public static string Name(string timeline, ulong number, long segmentSize) =>
        string.Create(CultureInfo.InvariantCulture, $"{timeline}{number / PerLogFile(segmentSize):X8}{number % PerLogFile(segmentSize):X8}");

    /// <summary>The segment that holds a WAL position.</summary>
    /// <param name="lsn">The position as a number.</param>
    /// <param name="segmentSize">The WAL segment size.</param>
    /// <returns>The segment number.</returns>
    public static ulong OfLsn(ulong lsn, long segmentSize) => lsn / (ulong)segmentSize;

    private static ulong PerLogFile(long segmentSize) => 0x1_0000_0000UL / (ulong)segmentSize;
}
