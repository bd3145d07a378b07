using DataGuard.Postgres.Catalog;
using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Turns the active legal holds into SQL conditions; held columns are checked against the catalog and quoted, held values are compared in SQL, never inlined.</summary>
internal static class LegalHoldPredicates
{
    /// <summary>The columns under an active hold, per table (<c>schema.table</c>).</summary>
    public static async Task<Dictionary<string, List<string>>> ActiveColumnsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var command = new NpgsqlCommand("SELECT DISTINCT table_name, column_name FROM dataguard.legal_holds WHERE released_at IS NULL ORDER BY 1, 2", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!held.TryGetValue(table, out var columns))
            {
                held[table] = columns = [];
            }

            columns.Add(reader.GetString(1));
        }

        return held;
    }

    /// <summary><c> AND NOT (held)</c> for the rows of <paramref name="table"/>, or empty when nothing in it is held.</summary>
    public static string NotHeld(PgTable table, string alias, Dictionary<string, List<string>> held, IRetentionPolicy policy) =>
        held.ContainsKey(table.QualifiedName) ? $" AND NOT ({Held(table, alias, held, policy)})" : string.Empty;

    /// <summary>SQL that is true for the held rows of <paramref name="table"/> (false when nothing is held).</summary>
    public static string Held(PgTable table, string alias, Dictionary<string, List<string>> held, IRetentionPolicy policy)
    {
        if (!held.TryGetValue(table.QualifiedName, out var columns))
        {
            return "false";
        }

        return string.Join(" OR ", columns.Select(name =>
        {
            var column = table.Column(name) ?? throw RetentionPlanner.Fail(policy, $"a legal hold names {table.QualifiedName}.{name}, which does not exist.");
            var sql = $"{alias}.{PgIdentifiers.Quote(column.Name)}";
            return $"COALESCE({sql}::text IN (SELECT h.value FROM dataguard.legal_holds h WHERE h.released_at IS NULL AND h.table_name = {PgIdentifiers.Literal(table.QualifiedName)} AND h.column_name = {PgIdentifiers.Literal(column.Name)}), false)";
        }));
    }

    /// <summary>The subject data map when a subject hold is active (and export subjects are configured), else <see langword="null"/>.</summary>
    public static async Task<Export.SubjectDataMap?> SubjectHoldMapAsync(NpgsqlConnection connection, Export.ExportOptions export, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(export.Subject.Table))
        {
            return null;
        }

        var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM dataguard.legal_holds WHERE kind = 'subject' AND released_at IS NULL)", connection);
        await using (command.ConfigureAwait(false))
        {
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return null;
            }
        }

        return await Export.SubjectDataMapBuilder.BuildAsync(connection, export, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c> AND NOT (...)</c> for the rows the subject data map links to a subject under an active subject hold, or
    /// empty when no subject is held (<paramref name="map"/> is <see langword="null"/>) or the table is not in the map.
    /// </summary>
    public static string NotHeldBySubject(Export.SubjectDataMap? map, PgTable table)
    {
        if (map?.Find(table.QualifiedName) is not { } mapped)
        {
            return string.Empty;
        }

        var held = Export.SubjectSql.Condition(
            map,
            mapped,
            "t",
            key => $"{key}::text IN (SELECT h.value FROM dataguard.legal_holds h WHERE h.kind = 'subject' AND h.released_at IS NULL)",
            depth: 0);
        return $" AND NOT COALESCE({held}, false)";
    }
}
