using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Checks a policy's identifiers against the catalog: the table and columns exist; the timestamp column is a date or time.</summary>
internal static class RetentionCatalog
{
    private static readonly string[] TimeTypes = ["date", "timestamp without time zone", "timestamp with time zone"];

    public static async Task<string> RequireColumnAsync(NpgsqlConnection connection, string table, string column, string owner, CancellationToken cancellationToken)
    {
        var (schema, name) = PgIdentifiers.SplitQualified(table) ?? throw new DataGuardException($"{owner}: '{table}' is not schema.table.") { Operation = "retention" };
        var command = new NpgsqlCommand(
            """
            SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = @table AND a.attname = @column AND a.attnum > 0 AND NOT a.attisdropped
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("table", name);
        command.Parameters.AddWithValue("column", column);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string
            ?? throw new DataGuardException($"{owner}: the table {table} or its column '{column}' does not exist.") { Operation = "retention" };
    }

    public static async Task RequireTimestampAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, CancellationToken cancellationToken)
    {
        var type = await RequireColumnAsync(connection, policy.Table, policy.TimestampColumn, $"Retention policy '{policy.Name}'", cancellationToken).ConfigureAwait(false);
        if (!TimeTypes.Contains(type, StringComparer.Ordinal))
        {
            throw new DataGuardException($"Retention policy '{policy.Name}': {policy.Table}.{policy.TimestampColumn} is {type}, not a date, timestamp or timestamptz.") { Operation = "retention" };
        }
    }
}
