using Npgsql;

namespace DataGuard.Postgres.Catalog;

/// <summary>
/// Every table of the database's own schemas (plain, partitioned, partitions, inheritance children), with columns,
/// primary keys, parents and the foreign keys as declared (on a table, a partitioned table or a single partition;
/// the copies PostgreSQL makes for partitions are left out): what the subject data map is built from, read at once.
/// </summary>
internal sealed class PgSchemaCatalog
{
    private readonly Dictionary<uint, Entry> _tables;
    private readonly Dictionary<string, uint> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, List<uint>> _children = [];

    private PgSchemaCatalog(Dictionary<uint, Entry> tables, IReadOnlyList<Declared> foreignKeys)
    {
        _tables = tables;
        ForeignKeys = foreignKeys;
        foreach (var entry in tables.Values)
        {
            _byName[entry.Table.QualifiedName] = entry.Table.Oid;
            foreach (var parent in entry.Parents)
            {
                if (!_children.TryGetValue(parent, out var list))
                {
                    _children[parent] = list = [];
                }

                list.Add(entry.Table.Oid);
            }
        }
    }

    /// <summary>Gets the foreign keys as declared.</summary>
    public IReadOnlyList<Declared> ForeignKeys { get; }

    /// <summary>Gets the tables that inherit from no other: the logical tables (a partitioned table stands for all its partitions, a parent for its children).</summary>
    public IEnumerable<PgTable> Roots => _tables.Values.Where(e => e.Parents.Count == 0).Select(e => e.Table).OrderBy(t => t.QualifiedName, StringComparer.Ordinal);

    /// <summary>Reads the catalog.</summary>
    public static async Task<PgSchemaCatalog> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string UserSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
        var command = new NpgsqlCommand(
            $"""
            SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', c.relispartition,
                   array(SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
                   array(SELECT a.attname FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(n, o) ON true
                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n
                         WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.o)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {UserSchemas};
            SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, format_type(a.atttypid, NULL)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {UserSchemas} AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum;
            SELECT con.conname, con.conrelid, con.confrelid,
                   array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o),
                   array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)
            FROM pg_constraint con
            WHERE con.contype = 'f' AND con.conparentid = 0
            ORDER BY con.conname, con.oid
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var rows = new List<(uint Oid, string Schema, string Name, bool Partitioned, bool Partition, uint[] Parents, string[] Key)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetFieldValue<uint[]>(5), reader.GetFieldValue<string[]>(6)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<uint, List<PgColumn>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var oid = reader.GetFieldValue<uint>(0);
            if (!columns.TryGetValue(oid, out var list))
            {
                columns[oid] = list = [];
            }

            list.Add(new PgColumn(reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)) { BaseType = reader.GetString(4) });
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<Declared>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new Declared(reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetFieldValue<string[]>(3), reader.GetFieldValue<uint>(2), reader.GetFieldValue<string[]>(4)));
        }

        var tables = rows.ToDictionary(
            r => r.Oid,
            r => new Entry(new PgTable(r.Oid, r.Schema, r.Name, r.Partitioned, columns.GetValueOrDefault(r.Oid) ?? [], r.Key), r.Partition, r.Parents));
        return new PgSchemaCatalog(tables, keys.Where(k => tables.ContainsKey(k.Child) && tables.ContainsKey(k.Parent)).ToList());
    }

    /// <summary>Finds a table by oid.</summary>
    public PgTable? Find(uint oid) => _tables.TryGetValue(oid, out var entry) ? entry.Table : null;

    /// <summary>Finds a table by <c>schema.table</c> (exact names).</summary>
    public PgTable? Find(string qualifiedName) => _byName.TryGetValue(qualifiedName, out var oid) ? _tables[oid].Table : null;

    /// <summary>Gets whether a table is a partition (rather than an inheritance child or a table of its own).</summary>
    public bool IsPartition(uint oid) => _tables.TryGetValue(oid, out var entry) && entry.Partition;

    /// <summary>Gets the logical table a table belongs to: the top of its partition or inheritance tree (the first parent, with multiple inheritance), or the table itself.</summary>
    public PgTable Root(uint oid)
    {
        var seen = new HashSet<uint>();
        var current = oid;
        while (seen.Add(current) && _tables.TryGetValue(current, out var entry) && entry.Parents.Count > 0 && _tables.ContainsKey(entry.Parents[0]))
        {
            current = entry.Parents[0];
        }

        return _tables[current].Table;
    }

    /// <summary>Gets the tables below <paramref name="oid"/> (partitions at any depth, inheritance children), excluding itself.</summary>
    public IReadOnlyList<PgTable> Descendants(uint oid)
    {
        var found = new List<PgTable>();
        var seen = new HashSet<uint> { oid };
        var queue = new Queue<uint>([oid]);
        while (queue.TryDequeue(out var next))
        {
            foreach (var child in _children.GetValueOrDefault(next) ?? [])
            {
                if (seen.Add(child))
                {
                    found.Add(_tables[child].Table);
                    queue.Enqueue(child);
                }
            }
        }

        return found;
    }

    /// <summary>A foreign key as declared: <see cref="ChildColumns"/> of the table <see cref="Child"/> reference <see cref="ParentColumns"/> of <see cref="Parent"/>.</summary>
    public sealed record Declared(string Name, uint Child, IReadOnlyList<string> ChildColumns, uint Parent, IReadOnlyList<string> ParentColumns);

    private sealed record Entry(PgTable Table, bool Partition, IReadOnlyList<uint> Parents);
}
