using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>Lists the tables a dump holds the rows of inside the backup's snapshot, and counts rows there when the dump's own data cannot tell.</summary>
internal static class SnapshotTables
{
    private const string ListSql = """
        SELECT n.nspname, c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, 2
        """;

    /// <summary>Lists the tables whose rows pg_dump, given <paramref name="filter"/>, dumps: user tables that no extension owns.</summary>
    /// <param name="connection">The backup's connection.</param>
    /// <param name="transaction">The snapshot's transaction.</param>
    /// <param name="filter">The dump's filter.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Schema and table names, sorted.</returns>
    public static async Task<List<(string Schema, string Table)>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PgDumpOptions filter, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table)>();
        var list = new NpgsqlCommand(ListSql, connection, transaction);
        await using (list.ConfigureAwait(false))
        {
            var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (schema, table) = (reader.GetString(0), reader.GetString(1));
                if (Included(schema, table, filter))
                {
                    tables.Add((schema, table));
                }
            }
        }

        return tables;
    }

    /// <summary>Counts rows with <c>count(*)</c> in the snapshot: for the tables whose counts the dump's own data did not give.</summary>
    /// <param name="connection">The backup's connection.</param>
    /// <param name="transaction">The snapshot's transaction.</param>
    /// <param name="tables">The tables.</param>
    /// <param name="counts">Where the counts go, by <c>schema.table</c>.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>A task.</returns>
    public static async Task CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<(string Schema, string Table)> tables, Dictionary<string, long> counts, CancellationToken cancellationToken)
    {
        foreach (var (schema, table) in tables)
        {
            var count = new NpgsqlCommand($"SELECT count(*) FROM {PgIdentifiers.QuoteQualified(schema, table)}", connection, transaction);
            await using var countScope = count.ConfigureAwait(false);
            counts[$"{schema}.{table}"] = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <summary>Whether pg_dump, given the same filter as arguments, dumps the rows of a table.</summary>
    public static bool Included(string schema, string table, PgDumpOptions filter)
    {
        var name = $"{schema}.{table}";
        if (filter.IncludeSchemas.Count > 0 && !filter.IncludeSchemas.Contains(schema, StringComparer.Ordinal))
        {
            return false;
        }

        if (filter.IncludeTables.Count > 0 && !filter.IncludeTables.Contains(name, StringComparer.Ordinal))
        {
            return false;
        }

        return !filter.ExcludeSchemas.Contains(schema, StringComparer.Ordinal)
            && !filter.ExcludeTables.Contains(name, StringComparer.Ordinal)
            && !filter.ExcludeTableData.Contains(name, StringComparer.Ordinal);
    }

    /// <summary>pg_dump's arguments for the filter, each name quoted so that it matches exactly.</summary>
    public static IEnumerable<string> Arguments(PgDumpOptions filter)
    {
        foreach (var schema in filter.IncludeSchemas)
        {
            yield return $"--schema={PgIdentifiers.Quote(schema)}";
        }

        foreach (var schema in filter.ExcludeSchemas)
        {
            yield return $"--exclude-schema={PgIdentifiers.Quote(schema)}";
        }

        foreach (var (option, names) in new[] { ("--table", filter.IncludeTables), ("--exclude-table", filter.ExcludeTables), ("--exclude-table-data", filter.ExcludeTableData) })
        {
            foreach (var name in names)
            {
                var (schema, table) = PgIdentifiers.SplitQualified(name)!.Value;
                yield return $"{option}={PgIdentifiers.QuoteQualified(schema, table)}";
            }
        }
    }
}
