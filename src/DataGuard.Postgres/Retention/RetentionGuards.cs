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
    private RetentionGuards(string held, string needed, string restricted, string? heldIds, string? neededIds, PgRelationGraph graph, HoldSql holds, ReferenceSql references)
    {
        Holds = holds;
        References = references;
        Held = held;
        Needed = needed;
        Restricted = restricted;
        HeldIds = heldIds;
        NeededIds = neededIds;
        Graph = graph;
    }

    /// <summary>Gets SQL true when the row itself is held.</summary>
    public string Held { get; }

    /// <summary>Gets SQL true when a held row references the row, directly or through other rows.</summary>
    public string Needed { get; }

    /// <summary>Gets SQL true when deleting the row would fail on a NO ACTION / RESTRICT reference (always false for Anonymize).</summary>
    public string Restricted { get; }

    /// <summary>Gets a query of the ids of the holds on the row itself, or <see langword="null"/>.</summary>
    public string? HeldIds { get; }

    /// <summary>Gets a query of the ids of the holds on rows that reference it, or <see langword="null"/>.</summary>
    public string? NeededIds { get; }

    /// <summary>Gets the hold SQL for other relations of the graph (partitions).</summary>
    public HoldSql Holds { get; }

    /// <summary>Gets the reference SQL for other relations of the graph (partitions).</summary>
    public ReferenceSql References { get; }

    /// <summary>Gets the catalog the fragments were built from.</summary>
    public PgRelationGraph Graph { get; }

    /// <summary>Gets <c> AND NOT (...)</c> for every guard: the rows an action may touch.</summary>
    public string Filter => Not(Held) + Not(Needed) + Not(Restricted);

    private static string Not(string sql) => sql == "false" ? string.Empty : $" AND NOT {sql}";

    /// <summary>
    /// Builds the guards of <paramref name="plan"/> from what the catalog and <c>dataguard.legal_holds</c> say now
    /// (inside <paramref name="transaction"/> when given). The subject data map is rebuilt only when the catalog changed.
    /// </summary>
    public sealed class Builder(Export.ExportOptions export)
    {
        private (string Signature, Export.SubjectDataMap Map)? _map;
        private (string Key, RetentionGuards Guards)? _last;

        public async Task<RetentionGuards> BuildAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, RetentionPlan plan, CancellationToken cancellationToken)
        {
            var holds = await ActiveHolds.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var names = holds.Columns.Select(c => c.Table).Append(plan.Relation.QualifiedName);
            var graph = await PgRelationGraph.ReadAsync(connection, names, transaction, cancellationToken).ConfigureAwait(false);
            var key = $"{plan.Policy.Name}|{graph.Signature}|{holds.Signature}";
            if (_last is { } last && last.Key == key)
            {
                return last.Guards;
            }

            var map = holds.SubjectKeys.Count == 0 ? null : await SubjectMapAsync(connection, graph, holds, plan.Policy, cancellationToken).ConfigureAwait(false);
            var holdSql = new HoldSql(graph, holds, map);
            var references = new ReferenceSql(graph, holdSql, plan.Policy);
            var relation = graph.Find(plan.Relation.Oid) ?? throw RetentionPlanner.Fail(plan.Policy, $"the table {plan.Relation.QualifiedName} was dropped or replaced during the run.");
            var deletes = plan.Policy.Action is RetentionAction.Delete or RetentionAction.ArchiveThenDelete;
            var guards = new RetentionGuards(
                holdSql.Held(relation, "t", plan.IncludesDescendants, plan.Policy) ?? "false",
                references.NeededByHold(relation, "t") ?? "false",
                deletes ? references.Restricted(relation, "t") ?? "false" : "false",
                holdSql.HeldIds(relation, "t", plan.IncludesDescendants, plan.Policy),
                references.NeededByHoldIds(relation, "t"),
                graph,
                holdSql,
                references);
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
