using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Builds the <see cref="SubjectDataMap"/> from the catalog: a breadth-first walk from the subject table along
/// foreign keys (and configured links) to every table that references it, directly or through other tables. A row
/// belongs to the subject when it references, through any of its table's edges, a row nearer the subject that does;
/// edges within one distance (cycles, self references) are not followed, so the walk always ends.
/// </summary>
internal static class SubjectDataMapBuilder
{
    public static async Task<SubjectDataMap> BuildAsync(NpgsqlConnection connection, ExportOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Subject.Table))
        {
            throw Fail($"{ExportOptions.SectionPath}:Subject:Table is not set: configure whose data is exported (e.g. public.users).");
        }

        var subject = await PgCatalog.FindTableAsync(connection, options.Subject.Table, cancellationToken).ConfigureAwait(false)
            ?? throw Fail($"{ExportOptions.SectionPath}:Subject:Table: the table {options.Subject.Table} does not exist.");
        var key = subject.Column(options.Subject.Key)
            ?? throw Fail($"{ExportOptions.SectionPath}:Subject:Key: {subject.QualifiedName} has no column '{options.Subject.Key}'.");
        var excluded = options.ExcludeTables.ToHashSet(StringComparer.Ordinal);
        var edges = (await PgCatalog.ForeignKeysAsync(connection, null, cancellationToken).ConfigureAwait(false)).ToList();
        edges.AddRange(await LinksAsync(connection, options, cancellationToken).ConfigureAwait(false));

        var tables = new Dictionary<string, (PgTable Table, int Distance)>(StringComparer.Ordinal) { [subject.QualifiedName] = (subject, 0) };
        var frontier = new List<string> { subject.QualifiedName };
        for (var distance = 1; frontier.Count > 0; distance++)
        {
            var next = new List<string>();
            foreach (var edge in edges.Where(e => frontier.Contains(e.Parent) && !tables.ContainsKey(e.Child) && !excluded.Contains(e.Child) && !e.Child.StartsWith("dataguard.", StringComparison.Ordinal)))
            {
                if (next.Contains(edge.Child))
                {
                    continue;
                }

                var table = await PgCatalog.FindTableAsync(connection, edge.Child, cancellationToken).ConfigureAwait(false);
                if (table is not null)
                {
                    tables[edge.Child] = (table, distance);
                    next.Add(edge.Child);
                }
            }

            frontier = next;
        }

        var mapped = tables.Values
            .OrderBy(t => t.Distance).ThenBy(t => t.Table.QualifiedName, StringComparer.Ordinal)
            .Select(t =>
            {
                var inward = edges.Where(e => e.Child == t.Table.QualifiedName && tables.TryGetValue(e.Parent, out var parent) && parent.Distance < t.Distance).ToList();
                var (columns, redacted) = Redact(t.Table, options.Redaction);
                return new MappedTable(t.Table, t.Distance, inward, columns, redacted);
            })
            .ToList();
        var warnings = await WarningsAsync(connection, subject, key, edges, excluded, cancellationToken).ConfigureAwait(false);
        return new SubjectDataMap(subject, key, mapped, warnings);
    }

    internal static DataGuardException Fail(string message) => new(message) { Operation = "export" };

    private static async Task<List<PgForeignKey>> LinksAsync(NpgsqlConnection connection, ExportOptions options, CancellationToken cancellationToken)
    {
        var links = new List<PgForeignKey>();
        foreach (var (link, i) in options.Links.Select((l, i) => (l, i)))
        {
            var from = ColumnPath.Parse(link.From)!;
            var to = ColumnPath.Parse(link.To)!;
            foreach (var end in new[] { from, to })
            {
                var table = await PgCatalog.FindTableAsync(connection, end.Table, cancellationToken).ConfigureAwait(false);
                if (table?.Column(end.Column) is null)
                {
                    throw Fail($"{ExportOptions.SectionPath}:Links:{i}: the column {end} does not exist.");
                }
            }

            links.Add(new PgForeignKey($"link:{from}", from.Table, [from.Column], to.Table, [to.Column], PgDeleteRule.NoAction));
        }

        return links;
    }

    /// <summary>A table on its own (a table export): its columns after redaction.</summary>
    internal static MappedTable Describe(PgTable table, RedactionOptions redaction)
    {
        var (columns, redacted) = Redact(table, redaction);
        return new MappedTable(table, 0, [], columns, redacted);
    }

    private static (List<PgColumn> Columns, List<string> Redacted) Redact(PgTable table, RedactionOptions redaction)
    {
        bool Leaves(PgColumn column)
        {
            var qualified = $"{table.QualifiedName}.{column.Name}";
            if (redaction.Mode == RedactionMode.Allowlist)
            {
                return redaction.Allow.Contains(qualified, StringComparer.Ordinal) || redaction.Allow.Contains($"{table.QualifiedName}.*", StringComparer.Ordinal);
            }

            return !redaction.Deny.Contains(qualified, StringComparer.Ordinal)
                && !redaction.Deny.Contains(column.Name, StringComparer.Ordinal)
                && !(redaction.DenySensitiveNames && SensitiveNames.IsSensitive(column.Name));
        }

        var columns = table.Columns.Where(Leaves).ToList();
        return (columns, table.Columns.Except(columns).Select(c => c.Name).ToList());
    }

    /// <summary>Columns such as <c>user_id</c> (for <c>public.users.id</c>) that no foreign key or link connects: links are probably missing.</summary>
    private static async Task<List<string>> WarningsAsync(NpgsqlConnection connection, PgTable subject, PgColumn key, List<PgForeignKey> edges, HashSet<string> excluded, CancellationToken cancellationToken)
    {
        var singular = subject.Name.EndsWith("ies", StringComparison.Ordinal) ? subject.Name[..^3] + "y" : subject.Name.TrimEnd('s');
        var names = new[] { $"{singular}_{key.Name}", $"{subject.Name}_{key.Name}", $"{singular}{key.Name}" };
        var command = new NpgsqlCommand(
            """
            SELECT n.nspname || '.' || c.relname, a.attname FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
              AND lower(a.attname) = ANY(@names) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'dataguard')
            ORDER BY 1, 2
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("names", names.Distinct().ToArray());
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var warnings = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (table, column) = (reader.GetString(0), reader.GetString(1));
            var connected = edges.Any(e => e.Child == table && e.ChildColumns.Contains(column, StringComparer.Ordinal));
            if (!connected && table != subject.QualifiedName && !excluded.Contains(table))
            {
                warnings.Add($"{table}.{column} looks like a reference to {subject.QualifiedName}.{key.Name} but has no foreign key: its rows are not exported. Add a foreign key, or a link in {ExportOptions.SectionPath}:Links, or exclude the table.");
            }
        }

        return warnings;
    }
}
