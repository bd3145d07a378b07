using DataGuard.Postgres.Catalog;
using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// What keeps a policy's expired rows, as SQL on the alias <c>t</c>, built from the holds and the catalog as they are
/// inside the batch's own transaction: the row's own holds, held rows that reference it at any depth, and (for the
/// deleting actions) references that would make its delete fail. Each fragment is <c>false</c> when nothing can apply.
/// </summary>
internal sealed class RetentionGuards
{
    private readonly Dictionary<(uint Oid, bool Descendants), Fragments> _fragments = [];
    private readonly bool _deletes;
    private readonly IRetentionPolicy _policy;

    private RetentionGuards(PgRelationGraph graph, HoldSql holds, ReferenceSql references, IRetentionPolicy policy, bool deletes)
    {
        Graph = graph;
        Holds = holds;
        References = references;
        _policy = policy;
        _deletes = deletes;
    }

    /// <summary>Gets the hold SQL.</summary>
    public HoldSql Holds { get; }

    /// <summary>Gets the reference SQL.</summary>
    public ReferenceSql References { get; }

    /// <summary>Gets the catalog the fragments were built from.</summary>
    public PgRelationGraph Graph { get; }

    /// <summary>The guards of rows read through <paramref name="relation"/> (with its descendants, or <c>ONLY</c>).</summary>
    public Fragments For(PgRelation relation, bool withDescendants)
    {
        if (!_fragments.TryGetValue((relation.Oid, withDescendants), out var fragments))
        {
            fragments = new Fragments(
                Holds.Held(relation, "t", withDescendants, _policy) ?? "false",
                References.NeededByHold(relation, "t") ?? "false",
                _deletes ? References.Restricted(relation, "t") ?? "false" : "false",
                Holds.HeldIds(relation, "t", withDescendants, _policy),
                References.NeededByHoldIds(relation, "t"));
            _fragments[(relation.Oid, withDescendants)] = fragments;
        }

        return fragments;
    }

    /// <summary>The SQL fragments of one relation's rows.</summary>
    /// <param name="Held">SQL true when the row itself is held.</param>
    /// <param name="Needed">SQL true when a held row references the row, directly or through other rows.</param>
    /// <param name="Restricted">SQL true when deleting the row would fail on a NO ACTION / RESTRICT reference (always false for Anonymize).</param>
    /// <param name="HeldIds">A query of the ids of the holds on the row itself, or <see langword="null"/>.</param>
    /// <param name="NeededIds">A query of the ids of the holds on rows that reference it, or <see langword="null"/>.</param>
    internal sealed record Fragments(string Held, string Needed, string Restricted, string? HeldIds, string? NeededIds)
    {
        /// <summary>Gets <c> AND NOT (...)</c> for every guard: the rows an action may touch.</summary>
        public string Filter => Not(Held) + Not(Needed) + Not(Restricted);

        private static string Not(string sql) => sql == "false" ? string.Empty : $" AND NOT {sql}";
    }

    /// <summary>
    /// Builds the guards of a plan from what the catalog and <c>dataguard.legal_holds</c> say now (inside the batch's
    /// transaction when given). The subject data map is rebuilt only when the catalog changed.
    /// </summary>
    public sealed class Builder(Export.ExportOptions export)
    {
        private readonly Dictionary<string, bool> _equality = new(StringComparer.Ordinal);
        private (string Signature, Export.SubjectDataMap Map)? _map;
        private (string Key, RetentionGuards Guards)? _last;

        public async Task<RetentionGuards> BuildAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, RetentionPlan plan, CancellationToken cancellationToken)
        {
            var holds = await ActiveHolds.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            foreach (var column in holds.Columns.Where(c => c.Type is not null))
            {
                if (!_equality.TryGetValue(column.Type!, out var equality))
                {
                    _equality[column.Type!] = equality = await HoldValue.HasEqualityAsync(connection, transaction, column.Type!, cancellationToken).ConfigureAwait(false);
                }

                column.TextCompare = !equality;
            }

            var graph = await PgRelationGraph.ReadAsync(connection, [plan.Relation.QualifiedName], holds.Columns.Select(c => c.TableOid).Append(plan.Relation.Oid), transaction, cancellationToken).ConfigureAwait(false);
            var key = $"{plan.Policy.Name}|{graph.Signature}|{holds.Signature}";
            if (_last is { } last && last.Key == key)
            {
                return last.Guards;
            }

            var map = holds.SubjectKeys.Count == 0 ? null : await SubjectMapAsync(connection, graph, holds, plan.Policy, cancellationToken).ConfigureAwait(false);
            if (graph.Find(plan.Relation.Oid) is null)
            {
                throw RetentionPlanner.Fail(plan.Policy, $"the table {plan.Relation.QualifiedName} was dropped or replaced during the run.");
            }

            var holdSql = new HoldSql(graph, holds, map);
            var deletes = plan.Policy.Action is RetentionAction.Delete or RetentionAction.ArchiveThenDelete;
            var guards = new RetentionGuards(graph, holdSql, new ReferenceSql(graph, holdSql, plan.Policy), plan.Policy, deletes);
            _last = (key, guards);
            return guards;
        }

        private async Task<Export.SubjectDataMap> SubjectMapAsync(NpgsqlConnection connection, PgRelationGraph graph, ActiveHolds holds, IRetentionPolicy policy, CancellationToken cancellationToken)
        {
            // Subject holds that cannot be evaluated stop retention: ignoring them would delete what they hold.
            if (string.IsNullOrWhiteSpace(export.Subject.Table))
            {
                throw RetentionPlanner.Fail(policy, $"subject legal holds are active but {Export.ExportOptions.SectionPath}:Subject is not configured, so the rows they hold cannot be found; nothing is changed until it is configured or the holds are released.");
            }

            var subject = $"{export.Subject.Table}.{export.Subject.Key}";
            if (holds.SubjectKeys.FirstOrDefault(s => $"{s.Table}.{s.Column}" != subject) is { Table: not null } other)
            {
                throw RetentionPlanner.Fail(policy, $"subject legal holds were placed on {other.Table}.{other.Column}, but the export subject is now {subject}; nothing is changed until those holds are released or replaced by table holds.");
            }

            if (_map is { } cached && cached.Signature == graph.Signature)
            {
                return cached.Map;
            }

            var map = await Export.SubjectDataMapBuilder.BuildAsync(connection, export, cancellationToken).ConfigureAwait(false);
            _map = (graph.Signature, map);
            return map;
        }
    }
}
