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

    /// <summary>
    /// Refuses an <c>archive_command</c> too long for PostgreSQL 15, which builds the command with <c>%p</c> and <c>%f</c>
    /// filled in into a buffer of 1,023 bytes and cuts what does not fit: the shell would then fail on every segment
    /// ("Unterminated quoted string") and archiving would stall. Counted for the longest names PostgreSQL archives (a
    /// backup history file: 40 characters, <c>pg_wal/</c> before it in <c>%p</c>).
    /// </summary>
    /// <param name="command">The command, as it goes into <c>archive_command</c>.</param>
    /// <returns>The command.</returns>
    /// <exception cref="ArgumentException">Once expanded it could be longer than 1,023 bytes.</exception>
    public static string FitArchiveCommand(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var length = 0;
        for (var i = 0; i < command.Length; i++)
        {
            if (command[i] == '%' && i + 1 < command.Length)
            {
                length += command[++i] switch { 'p' => "pg_wal/".Length + 40, 'f' => 40, '%' => 1, _ => 2 };
            }
            else
            {
                length += System.Text.Encoding.UTF8.GetByteCount(command.AsSpan(i, 1));
            }
        }

        return length <= MaxArchiveCommandBytes ? command : throw new ArgumentException(
            $"The archive_command would be up to {length} bytes once PostgreSQL fills in the file names; PostgreSQL 15 cuts it at {MaxArchiveCommandBytes} and every attempt would fail. Use a shorter folder path.",
            nameof(command));
    }

    /// <summary>The longest archive_command PostgreSQL 15 runs whole (MAXPGPATH - 1).</summary>
    internal const int MaxArchiveCommandBytes = 1023;
}
