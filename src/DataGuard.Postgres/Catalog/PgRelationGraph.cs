using System.Text;
using Npgsql;

namespace DataGuard.Postgres.Catalog;

/// <summary>
/// The relations that take part in inheritance (partitions, <c>INHERITS</c>) or foreign keys, with every foreign key
/// as declared: on tables, on partitioned tables, and on single partitions only. Families are the connected
/// components of the inheritance graph (a partitioned table with all its partitions, an inheritance tree).
/// </summary>
internal sealed class PgRelationGraph
{
    private readonly Dictionary<uint, PgRelation> _relations;
    private readonly Dictionary<uint, List<uint>> _children = [];
    private readonly Dictionary<uint, uint> _family = [];

    private PgRelationGraph(Dictionary<uint, PgRelation> relations, IReadOnlyList<PgReference> references, string signature)
    {
        _relations = relations;
        References = references;
        Signature = signature;
        foreach (var relation in relations.Values)
        {
            foreach (var parent in relation.Parents)
            {
                if (!_children.TryGetValue(parent, out var list))
                {
                    _children[parent] = list = [];
                }

                list.Add(relation.Oid);
            }
        }

        foreach (var oid in relations.Keys.Order())
        {
            if (!_family.ContainsKey(oid))
            {
                Mark(oid, oid);
            }
        }
    }

    /// <summary>Gets every foreign key (as declared; the copies PostgreSQL makes for partitions are left out).</summary>
    public IReadOnlyList<PgReference> References { get; }

    /// <summary>Gets a text that changes when anything read changes (for caching what is built from the graph).</summary>
    public string Signature { get; }

    /// <summary>Reads the graph, including the relations named in <paramref name="names"/> (<c>schema.table</c>) or <paramref name="oids"/> whether or not they have keys or children.</summary>
    public static async Task<PgRelationGraph> ReadAsync(NpgsqlConnection connection, IEnumerable<string> names, IEnumerable<uint> oids, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        // ON DELETE SET NULL (columns) / SET DEFAULT (columns) exist from PostgreSQL 15: only those columns change.
        var setColumns = connection.PostgreSqlVersion.Major >= 15
            ? "CASE WHEN cardinality(con.confdelsetcols) > 0 THEN con.confdelsetcols ELSE con.conkey END"
            : "con.conkey";
        var command = new NpgsqlCommand(
            $$"""
            SELECT c.oid, n.nspname, c.relname, c.relkind::text, COALESCE(am.amname, ''),
                   array(SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
            WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
              AND (c.oid IN (SELECT inhrelid FROM pg_inherits UNION SELECT inhparent FROM pg_inherits
                             UNION SELECT conrelid FROM pg_constraint WHERE contype = 'f' UNION SELECT confrelid FROM pg_constraint WHERE contype = 'f')
                   OR (n.nspname, c.relname) IN (SELECT s, t FROM unnest(@schemas::text[], @tables::text[]) u(s, t))
                   OR c.oid = ANY(@oids))
            ORDER BY c.oid;
            SELECT con.conname, con.conrelid, con.confrelid, con.confdeltype::text,
                   array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o),
                   array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY({{setColumns}}) AND a.attnotnull),
                   array(SELECT CASE WHEN a.attcollation = 0 THEN '' ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                         FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                         LEFT JOIN pg_collation co ON co.oid = a.attcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ORDER BY k.o),
                   array(SELECT coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                         LEFT JOIN pg_attrdef d ON d.adrelid = con.conrelid AND d.adnum = k.n ORDER BY k.o)
            FROM pg_constraint con
            WHERE con.contype = 'f' AND con.conparentid = 0
            ORDER BY con.oid
            """,
            connection,
            transaction);
        await using var commandScope = command.ConfigureAwait(false);
        var split = names.Select(PgIdentifiers.SplitQualified).Where(s => s is not null).Select(s => s!.Value).ToList();
        command.Parameters.AddWithValue("schemas", split.Select(s => s.Schema).ToArray());
        command.Parameters.AddWithValue("tables", split.Select(s => s.Table).ToArray());
        command.Parameters.AddWithValue("oids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, oids.ToArray());
        var signature = new StringBuilder();
        var relations = new Dictionary<uint, PgRelation>();
        var references = new List<PgReference>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var relation = new PgRelation(reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)[0], reader.GetString(4), reader.GetFieldValue<uint[]>(5));
                relations[relation.Oid] = relation;
                signature.Append(relation.Oid).Append(relation.Kind).Append(relation.QualifiedName).Append(string.Join(',', relation.Parents)).Append(';');
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var rule = reader.GetString(3) switch
                {
                    "c" => PgDeleteRule.Cascade,
                    "n" => PgDeleteRule.SetNull,
                    "d" => PgDeleteRule.SetDefault,
                    "r" => PgDeleteRule.Restrict,
                    _ => PgDeleteRule.NoAction,
                };
                var reference = new PgReference(reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetFieldValue<string[]>(4), reader.GetFieldValue<uint>(2), reader.GetFieldValue<string[]>(5), rule, reader.GetBoolean(6))
                {
                    ParentCollations = reader.GetFieldValue<string[]>(7),
                    ChildDefaults = reader.GetFieldValue<string[]>(8),
                };
                references.Add(reference);
                signature.Append(reference.Name).Append(reference.Child).Append('>').Append(reference.Parent).Append(rule).Append(string.Join(',', reference.ChildColumns)).Append(';');
            }
        }

        return new PgRelationGraph(relations, references, signature.ToString());
    }

    /// <summary>Builds a graph from relations and foreign keys already read (a catalog built in memory, for tests).</summary>
    /// <param name="relations">The relations, each with its parents.</param>
    /// <param name="references">The foreign keys.</param>
    /// <returns>The graph.</returns>
    internal static PgRelationGraph Create(IEnumerable<PgRelation> relations, IEnumerable<PgReference> references) =>
        new(relations.ToDictionary(r => r.Oid), [.. references], "in-memory");

    /// <summary>Finds a relation by oid.</summary>
    public PgRelation? Find(uint oid) => _relations.GetValueOrDefault(oid);

    /// <summary>Finds a relation by <c>schema.table</c> (exact names).</summary>
    public PgRelation? Find(string qualifiedName) => _relations.Values.FirstOrDefault(r => r.QualifiedName == qualifiedName);

    /// <summary>Gets the relations that inherit from <paramref name="oid"/>, at any depth.</summary>
    public IReadOnlyList<PgRelation> Descendants(uint oid)
    {
        var found = new List<PgRelation>();
        var seen = new HashSet<uint> { oid };
        var queue = new Queue<uint>([oid]);
        while (queue.TryDequeue(out var next))
        {
            foreach (var child in _children.GetValueOrDefault(next) ?? [])
            {
                if (seen.Add(child) && _relations.TryGetValue(child, out var relation))
                {
                    found.Add(relation);
                    queue.Enqueue(child);
                }
            }
        }

        return found;
    }

    /// <summary>Gets whether <paramref name="ancestor"/> is <paramref name="oid"/> itself or one of the relations it inherits from, at any depth.</summary>
    public bool IsSelfOrAncestor(uint ancestor, uint oid)
    {
        var seen = new HashSet<uint>();
        var queue = new Queue<uint>([oid]);
        while (queue.TryDequeue(out var next))
        {
            if (next == ancestor)
            {
                return true;
            }

            if (seen.Add(next) && _relations.TryGetValue(next, out var relation))
            {
                foreach (var parent in relation.Parents)
                {
                    queue.Enqueue(parent);
                }
            }
        }

        return false;
    }

    /// <summary>Gets the family of a relation: an id shared by every relation connected to it through inheritance.</summary>
    public uint Family(uint oid) => _family.GetValueOrDefault(oid, oid);

    private void Mark(uint start, uint family)
    {
        var stack = new Stack<uint>([start]);
        while (stack.TryPop(out var oid))
        {
            if (!_family.TryAdd(oid, family))
            {
                continue;
            }

            foreach (var next in (_relations.TryGetValue(oid, out var r) ? r.Parents : []).Concat(_children.GetValueOrDefault(oid) ?? []))
            {
                stack.Push(next);
            }
        }
    }
}
