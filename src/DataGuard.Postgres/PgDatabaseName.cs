using System.Text;
using DataGuard.Backup;

namespace DataGuard.Postgres;

/// <summary>
/// Database names handed to PostgreSQL and its tools. libpq reads a <c>dbname</c> that contains <c>=</c> or starts with
/// <c>postgresql://</c> as a whole connection string (another host, another database): such values are refused, and
/// names reach the tools quoted in a conninfo (<c>dbname='...'</c>) so that they can only be names.
/// </summary>
internal static class PgDatabaseName
{
    private const int MaxBytes = 63;

    /// <summary>Checks that a value is a plain database name.</summary>
    /// <param name="name">The value.</param>
    /// <param name="origin">Where it came from, for the message (such as <c>--to-database</c>).</param>
    /// <returns>The name.</returns>
    /// <exception cref="RestoreRefusedException">It is not a plain database name; nothing was touched.</exception>
    public static string Require(string? name, string origin)
    {
        if (Problem(name) is { } problem)
        {
            throw new RestoreRefusedException($"The target database name from {origin} {problem}; nothing was touched. Give a plain database name (--to-database NAME), or a target on another server as a connection string (--to-connection \"Host=...;Database=NAME;Username=...\").") { Operation = "restore" };
        }

        return name!;
    }

    /// <summary>Says why a value is not a plain database name.</summary>
    /// <param name="name">The value.</param>
    /// <returns>The problem, or <see langword="null"/> when it is a plain name.</returns>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "is empty";
        }

        if (name.Contains('=', StringComparison.Ordinal)
            || name.StartsWith("postgresql:", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase))
        {
            return "looks like a connection string (it holds '=' or starts with postgresql://), which PostgreSQL's tools would follow to whatever database it names";
        }

        if (name.Any(char.IsControl))
        {
            return "holds a control character";
        }

        if (name.Trim().Length != name.Length)
        {
            return "starts or ends with white space";
        }

        return Encoding.UTF8.GetByteCount(name) > MaxBytes ? $"is longer than {MaxBytes} bytes, which PostgreSQL would cut short" : null;
    }

    /// <summary>A conninfo that names exactly this database (for <c>--dbname</c>), the name quoted as libpq requires.</summary>
    /// <param name="name">A plain database name (see <see cref="Require"/>).</param>
    /// <returns>For example <c>dbname='it\'s'</c>.</returns>
    public static string Conninfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "dbname='" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }
}
