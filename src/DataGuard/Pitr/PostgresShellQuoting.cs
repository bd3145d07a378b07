namespace DataGuard.Pitr;

/// <summary>
/// Quotes a literal (a path) for a command PostgreSQL hands to <c>/bin/sh</c> (<c>archive_command</c>,
/// <c>restore_command</c>): single quotes for the shell (a <c>'</c> becomes <c>'\''</c>, so <c>$(...)</c>, backticks,
/// <c>"</c> and spaces are plain characters) and every <c>%</c> doubled, which PostgreSQL turns back into one
/// <c>%</c> before the shell sees it.
/// </summary>
internal static class PostgresShellQuoting
{
    /// <summary>The literal as one shell word in a PostgreSQL command.</summary>
    /// <param name="value">The literal, such as a path.</param>
    /// <returns>The quoted word.</returns>
    /// <exception cref="ArgumentException">The literal holds a control character (a newline, NUL), which no configuration line carries.</exception>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{value.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal)}' holds a control character (a newline, say): it cannot go into a PostgreSQL archive_command or restore_command.", nameof(value));
        }

        return "'" + value.Replace("'", @"'\''", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal) + "'";
    }
}
