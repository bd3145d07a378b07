namespace DataGuard.Postgres;

/// <summary>Quoting and splitting of PostgreSQL identifiers.</summary>
public static class PgIdentifiers
{
    /// <summary>Quotes an identifier: <c>my "table"</c> becomes <c>"my ""table"""</c>.</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>The quoted identifier.</returns>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Quotes a qualified table name given as <c>schema.table</c>.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="table">The table.</param>
    /// <returns>The quoted, qualified name.</returns>
    /// <summary>Quotes a text as a SQL string literal (and a postgresql.conf value): single quotes doubled. Prefer parameters; this is for text that cannot be one.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The literal, e.g. <c>'it''s'</c>.</returns>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

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
