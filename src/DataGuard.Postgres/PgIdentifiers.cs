namespace DataGuard.Postgres;

/// <summary>Quoting and splitting of PostgreSQL identifiers.</summary>
internal static class PgIdentifiers
{
    /// <summary>Quotes an identifier: <c>my "table"</c> becomes <c>"my ""table"""</c>.</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>The quoted identifier.</returns>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// Quotes a text as a SQL string literal that means the same whatever <c>standard_conforming_strings</c> says:
    /// single quotes doubled; a text with a backslash becomes an escape string (<c>E'a\\b'</c>), because with
    /// <c>standard_conforming_strings = off</c> a backslash in <c>'...'</c> escapes. Prefer parameters; this is for text
    /// that cannot be one.
    /// </summary>
    /// <param name="value">The text.</param>
    /// <returns>The literal, e.g. <c>'it''s'</c>.</returns>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var quoted = value.Replace("'", "''", StringComparison.Ordinal);
        return value.Contains('\\', StringComparison.Ordinal)
            ? "E'" + quoted.Replace("\\", "\\\\", StringComparison.Ordinal) + "'"
            : "'" + quoted + "'";
    }

    /// <summary>
    /// Quotes a text as a <c>postgresql.conf</c> string value: single quotes and backslashes doubled (the
    /// configuration file reads backslash escapes in quoted values).
    /// </summary>
    /// <param name="value">The text.</param>
    /// <returns>The quoted value, e.g. <c>'cp %p /mnt/a\\b'</c>.</returns>
    public static string ConfValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Quotes a qualified table name given as <c>schema.table</c>.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="table">The table.</param>
    /// <returns>The quoted, qualified name.</returns>
    public static string QuoteQualified(string schema, string table) => $"{Quote(schema)}.{Quote(table)}";

    /// <summary>Splits <c>schema.table</c> at its first dot.</summary>
    /// <param name="qualified">The name.</param>
    /// <returns>The parts, or <see langword="null"/> when the name is not of that form.</returns>
    public static (string Schema, string Table)? SplitQualified(string qualified)
    {
        var dot = qualified?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        return dot <= 0 || dot == qualified!.Length - 1 ? null : (qualified[..dot], qualified[(dot + 1)..]);
    }
}
