using System.Globalization;
using System.Text;
using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// How a failed script is described, in exceptions and in the ledger: the file, the failing statement's line and
/// column in that file (the server's error position mapped through the statement's offset), the SQLSTATE, the
/// message, and the server's detail, hint and context when it gave them.
/// </summary>
internal static class MigrationErrorText
{
    /// <summary>The description of the first error of a step's script.</summary>
    public static string Describe(MigrationStep step, MigrationScriptException error)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(error);
        var position = error.Postgres is { Position: > 0 } pg ? pg.Position - 1 : 0;
        var offset = error.Statement.Offset + Math.Min(position, Math.Max(0, error.Statement.Text.Length - 1));
        var (line, column) = SqlLexer.LineAndColumn(step.Script, offset);
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{step.SourceText}, line {line + step.LineOffset}, column {column}: "));
        if (error.Postgres is { } ex)
        {
            text.Append(CultureInfo.InvariantCulture, $"{ex.SqlState}: {ex.MessageText}");
            Append(text, "detail", Detail(ex));
            Append(text, "hint", ex.Hint);
            Append(text, "where", ex.Where);
        }
        else
        {
            text.Append(error.Message);
        }

        return text.ToString();
    }

    /// <summary>The description of a server error that is not a statement of the script (a ledger write in the script's transaction).</summary>
    public static string Describe(PostgresException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{ex.SqlState}: {ex.MessageText}"));
        Append(text, "detail", Detail(ex));
        Append(text, "hint", ex.Hint);
        return text.ToString();
    }

    /// <summary>
    /// The server's detail, which may quote row values: Npgsql withholds it unless the connection string says
    /// <c>Include Error Detail=true</c>, and then its placeholder text is left out rather than repeated.
    /// </summary>
    private static string? Detail(PostgresException ex) =>
        ex.Detail is { } detail && !detail.StartsWith("Detail redacted", StringComparison.Ordinal) ? detail : null;

    private static void Append(StringBuilder text, string label, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            text.Append(CultureInfo.InvariantCulture, $"; {label}: {value}");
        }
    }
}
