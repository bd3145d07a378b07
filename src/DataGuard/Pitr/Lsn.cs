using System.Globalization;

namespace DataGuard.Pitr;

/// <summary>A PostgreSQL WAL position, written <c>X/Y</c> in hexadecimal.</summary>
internal static class Lsn
{
    /// <summary>Parses <c>X/Y</c>.</summary>
    /// <param name="text">The LSN.</param>
    /// <returns>Its numeric value.</returns>
    /// <exception cref="FormatException">Not an LSN.</exception>
    public static ulong Parse(string text)
    {
        var parts = (text ?? string.Empty).Split('/');
        return parts.Length == 2
            && uint.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var high)
            && uint.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var low)
            ? ((ulong)high << 32) | low
            : throw new FormatException($"'{text}' is not a WAL position (expected X/Y in hexadecimal, such as 0/3000060).");
    }
}
