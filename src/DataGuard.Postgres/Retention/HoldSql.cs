using DataGuard.Postgres.Catalog;
using DataGuard.Postgres.Export;
using DataGuard.Retention;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// SQL that tells whether a row is under an active legal hold. A hold on a table covers the rows a query on that
/// table reads: its own rows and those of every table that inherits from it (partitions, <c>INHERITS</c> children).
/// So a row read through relation X is held by holds on X and X's ancestors (compared on the row itself), and, when
/// the row may live in a table below X, by holds on any ancestor of such a table (X's descendants, and with multiple
/// inheritance their other parents), matched by <c>(tableoid, ctid)</c>. Values are compared in the column's own type
/// (as text for types without equality: json, xml, point), read from <c>dataguard.legal_holds</c> by the statement
/// itself; holds are found by their table's oid and column number, never by names put into SQL.
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
            if (graph.Find(column.TableOid) is { } relation)
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

        // Where the row may live: the relation itself, or (read without ONLY) any table below it.
        var homes = withDescendants ? _graph.Descendants(relation.Oid).Append(relation).ToList() : [relation];
        var targets = _columns.Select(c => new HoldTarget(c.Relation, c.Column, null))
            .Concat(_subjects.Select(s => new HoldTarget(s.Relation, null, s.Table)));
        foreach (var target in targets)
        {
            if (_graph.IsSelfOrAncestor(target.Relation.Oid, relation.Oid))
            {
                yield return (target, true);   // every row read through the relation is also read through the held table
            }
            else if (homes.Any(h => _graph.IsSelfOrAncestor(target.Relation.Oid, h.Oid)))
            {
                yield return (target, false);  // rows of some tables below the relation are: match them by (tableoid, ctid)
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

        var (column, type, text) = Column(hold, policy);
        return text
            ? $"COALESCE({alias}.{column}::text IN (SELECT dg_hold.value FROM {Holds} WHERE {Filter(hold)}), false)"
            : $"COALESCE({alias}.{column} IN (SELECT dg_hold.value::{type} FROM {Holds} WHERE {Filter(hold)}), false)";
    }

    private string OwnIds(HoldTarget hold, string alias, string from, IRetentionPolicy policy)
    {
        if (hold.Subject is { } table)
        {
            var keyType = _map!.Key.Type;
            var condition = SubjectSql.Condition(_map, table, alias, key => $"{key} = dg_hold.value::{keyType}");
            return $"SELECT dg_hold.id FROM {from}{Holds} WHERE dg_hold.released_at IS NULL AND dg_hold.kind = 'subject' AND COALESCE({condition}, false)";
        }

        var (column, type, text) = Column(hold, policy);
        return text
            ? $"SELECT dg_hold.id FROM {from}{Holds} WHERE {Filter(hold)} AND {alias}.{column}::text = dg_hold.value"
            : $"SELECT dg_hold.id FROM {from}{Holds} WHERE {Filter(hold)} AND {alias}.{column} = dg_hold.value::{type}";
    }

    private static string Filter(HoldTarget hold) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"dg_hold.released_at IS NULL AND dg_hold.kind = 'table' AND dg_hold.table_oid = {hold.Column!.TableOid}::oid AND dg_hold.column_number = {hold.Column.ColumnNumber}");

    private static (string Column, string Type, bool Text) Column(HoldTarget hold, IRetentionPolicy policy)
    {
        var column = hold.Column!;
        if (column.Type is null || column.Column is null)
        {
            throw RetentionPlanner.Fail(policy, $"a legal hold names {column.Placed}, whose column no longer exists in {column.Table}; nothing is deleted until the hold is released or the column restored.");
        }

        return (PgIdentifiers.Quote(column.Column), column.Type, column.TextCompare);
    }

    private sealed record HoldTarget(PgRelation Relation, HeldColumn? Column, MappedTable? Subject)
    {
        public string Quoted => Relation.Quoted;
    }
}
