using System.Text.RegularExpressions;
using DataGuard.Storage;

namespace DataGuard.Pitr;

/// <summary>
/// The names of files PostgreSQL archives: WAL segments (<c>000000010000000000000003</c>), partial segments,
/// timeline history files (<c>00000002.history</c>) and backup history files (<c>...00000028.backup</c>).
/// </summary>
internal static partial class WalFileName
{
    /// <summary>The storage prefix of the WAL archive.</summary>
    public const string Prefix = StorageLayout.Wal;

    /// <summary>Whether a name is one PostgreSQL archives.</summary>
    /// <param name="name">A file name, without folder.</param>
    /// <returns>Whether it is a WAL segment, partial segment, history or backup history file.</returns>
    public static bool IsValid(string name) => Pattern().IsMatch(name ?? string.Empty);

    /// <summary>The timeline of a file, the first 8 hexadecimal digits of its name.</summary>
    /// <param name="name">A valid name.</param>
    /// <returns>The timeline, such as <c>00000001</c>.</returns>
    public static string TimelineOf(string name) => Validate(name)[..8];

    /// <summary>Whether a name is a plain WAL segment (24 hexadecimal digits).</summary>
    /// <param name="name">A file name.</param>
    /// <returns>Whether it is a segment.</returns>
    public static bool IsSegment(string name) => name is { Length: 24 } && IsValid(name);

    /// <summary>Throws unless a name is one PostgreSQL archives.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentException">Not a WAL file name.</exception>
    public static string Validate(string name) => IsValid(name)
        ? name
        : throw new ArgumentException($"'{name}' is not the name of a WAL segment, history or backup history file.", nameof(name));

    [GeneratedRegex(@"^(?:[0-9A-F]{24}(?:\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
