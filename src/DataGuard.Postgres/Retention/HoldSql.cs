using DataGuard.Postgres.Catalog;
using DataGuard.Postgres.Export;
using DataGuard.Retention;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// SQL that tells whether a row is under an active legal hold. A hold on a table covers the rows a query on that
/// table reads: its own rows and those of every table that inherits from it (partitions, <c>INHERITS</c> children).
/// So a row read through relation X is held by holds on X and X's ancestors (compared on the row itself), and by
/// holds on X's descendants when the row lives there (matched by <c>(tableoid, ctid)</c>). Values are compared in the
/// column's own type, read from <c>dataguard.legal_holds</c> by the statement itself.
/// </summary>
internal sealed class HoldSql
{
    private const string Holds = "dataguard.legal_holds dg_hold";
    private readonly PgRelationGraph _graph;
    private readonly List<(PgRelation Relation, HeldColumn Column)> _columns = [];
    private readonly List<(PgRelation Relation, MappedTable Table)> _subjects = [];
    private readonly SubjectDataMap? _map;
    private readonly HashSet<uint> _families = [];

    public HoldSql(PgRelationGraph graph, ActiveHolds holds, SubjectDataMap? map)
    {
        _graph = graph;
        _map = map;
        foreach (var column in holds.Columns)
        {
            // A hold on a table that no longer exists holds nothing; a missing column is checked where it matters.
            if (graph.Find(column.Table) is { } relation)
            {
                _columns.Add((relation, column));
                _families.Add(graph.Family(relation.Oid));
            }
        }

        if (holds.SubjectKeys.Count > 0 && map is not null)
        {
            foreach (var table in map.Tables)
            {
                if (graph.Find(table.Table.QualifiedName) is { } relation)
                {
                    _subjects.Add((relation, table));
                    _families.Add(graph.Family(relation.Oid));
                }
            }
        }
    }

    /// <summary>Gets the families (see <see cref="PgRelationGraph.Family"/>) in which some row may be held.</summary>
    public IReadOnlySet<uint> Families => _families;

    /// <summary>SQL true when the row <paramref name="alias"/>, read through <paramref name="relation"/>, is held; <see langword="null"/> when no hold can cover it.</summary>
    /// <param name="relation">The relation the row is read through.</param>
    /// <param name="alias">The row's alias.</param>
    /// <param name="withDescendants">Whether the row may live in a descendant of <paramref name="relation"/> (it was read without ONLY).</param>
    /// <param name="policy">The policy, for errors.</param>
    public string? Held(PgRelation relation, string alias, bool withDescendants, IRetentionPolicy policy)
    {
        var parts = Covering(relation, withDescendants).Select(c => c.Own
            ? OwnBoolean(c.Hold, alias, policy)
            : $"EXISTS (SELECT 1 FROM {c.Hold.Quoted} dg_hx WHERE dg_hx.tableoid = {alias}.tableoid AND dg_hx.ctid = {alias}.ctid AND {OwnBoolean(c.Hold, "dg_hx", policy)})").ToList();
        return parts.Count == 0 ? null : "(" + string.Join(" OR ", parts) + ")";
    }

    /// <summary>A query of the ids of the active holds that hold the row <paramref name="alias"/>; <see langword="null"/> when no hold can cover it.</summary>
    public string? HeldIds(PgRelation relation, string alias, bool withDescendants, IRetentionPolicy policy)
    {
        var parts = Covering(relation, withDescendants).Select(c => c.Own
            ? OwnIds(c.Hold, alias, string.Empty, policy)
            : OwnIds(c.Hold, "dg_hx", $"{c.Hold.Quoted} dg_hx, ", policy) + $" AND dg_hx.tableoid = {alias}.tableoid AND dg_hx.ctid = {alias}.ctid").ToList();
        return parts.Count == 0 ? null : string.Join(" UNION ", parts);
    }

    private IEnumerable<(HoldTarget Hold, bool Own)> Covering(PgRelation relation, bool withDescendants)
    {
        if (!_families.Contains(_graph.Family(relation.Oid)))
        {
            yield break;
        }

        var descendants = withDescendants ? _graph.Descendants(relation.Oid).Select(d => d.Oid).ToHashSet() : [];
        foreach (var (held, column) in _columns)
        {
            if (_graph.IsSelfOrAncestor(held.Oid, relation.Oid))
            {
                yield return (new HoldTarget(held, column, null), true);
            }
            else if (descendants.Contains(held.Oid))
            {
                yield return (new HoldTarget(held, column, null), false);
            }
        }

        foreach (var (mappedRelation, table) in _subjects)
        {
            if (_graph.IsSelfOrAncestor(mappedRelation.Oid, relation.Oid))
            {
                yield return (new HoldTarget(mappedRelation, null, table), true);
            }
            else if (descendants.Contains(mappedRelation.Oid))
            {
                yield return (new HoldTarget(mappedRelation, null, table), false);
            }
        }
    }

    private string OwnBoolean(HoldTarget hold, string alias, IRetentionPolicy policy)
    {
        if (hold.Subject is { } table)
        {
            var keyType = _map!.Key.Type;
            var condition = SubjectSql.Condition(_map, table, alias, key => $"{key} IN (SELECT dg_hold.value::{keyType} FROM {Holds} WHERE dg_hold.released_at IS NULL AND dg_hold.kind = 'subject')");
            return $"COALESCE({condition}, false)";
        }

        var (column, type) = Column(hold, policy);
        return $"COALESCE({alias}.{column} IN (SELECT dg_hold.value::{type} FROM {Holds} WHERE {Filter(hold)}), false)";
    }

    private string OwnIds(HoldTarget hold, string alias, string from, IRetentionPolicy policy)
    {
        if (hold.Subject is { } table)
        {
            var keyType = _map!.Key.Type;
            var condition = SubjectSql.Condition(_map, table, alias, key => $"{key} = dg_hold.value::{keyType}");
            return $"SELECT dg_hold.id FROM {from}{Holds} WHERE dg_hold.released_at IS NULL AND dg_hold.kind = 'subject' AND COALESCE({condition}, false)";
        }

        var (column, type) = Column(hold, policy);
        return $"SELECT dg_hold.id FROM {from}{Holds} WHERE {Filter(hold)} AND {alias}.{column} = dg_hold.value::{type}";
    }

    private static string Filter(HoldTarget hold) =>
        $"dg_hold.released_at IS NULL AND dg_hold.kind = 'table' AND dg_hold.table_name = {PgIdentifiers.Literal(hold.Column!.Table)} AND dg_hold.column_name = {PgIdentifiers.Literal(hold.Column.Column)}";

    private static (string Column, string Type) Column(HoldTarget hold, IRetentionPolicy policy)
    {
        var column = hold.Column!;
        if (column.Type is null)
        {
            throw RetentionPlanner.Fail(policy, $"a legal hold names {column.Table}.{column.Column}, which does not exist; nothing is deleted until the hold is released or the column restored.");
        }

        return (PgIdentifiers.Quote(column.Column), column.Type);
    }

    private sealed record HoldTarget(PgRelation Relation, HeldColumn? Column, MappedTable? Subject)
    {
        public string Quoted => Relation.Quoted;
    }
}
