using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>What a policy's expired rows look like before anything changes: counts, held and kept rows, timestamps, a sample, cascades, kept rows per hold.</summary>
internal sealed record RetentionSurvey(long Expired, long Affected, long HeldOwn, long HeldByReferences, long KeptByReferences, DateTimeOffset? Oldest, DateTimeOffset? Newest)
{
    public static async Task<RetentionSurvey> TakeAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards all, CancellationToken cancellationToken)
    {
        var guards = all.For(plan.Relation, plan.IncludesDescendants);
        var ts = plan.TimestampSql;
        var sql = $"""
            SELECT count(*),
                   count(*) FILTER (WHERE true{guards.Filter}{plan.NotProcessed}),
                   count(*) FILTER (WHERE {guards.Held}),
                   count(*) FILTER (WHERE NOT {guards.Held} AND {guards.Needed}),
                   count(*) FILTER (WHERE NOT {guards.Held} AND NOT {guards.Needed} AND {guards.Restricted}),
                   {plan.AsTimestamptz($"min({ts})")}, {plan.AsTimestamptz($"max({ts})")}
            {plan.FromExpired}
            """;
        var command = plan.Command(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new RetentionSurvey(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            reader.GetInt64(3),
            reader.GetInt64(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>Per active hold, the expired rows it keeps: rows it holds, and rows that rows it holds reference at any depth.</summary>
    public static async Task<IReadOnlyList<RetentionHoldCount>> PerHoldAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards all, CancellationToken cancellationToken)
    {
        var guards = all.For(plan.Relation, plan.IncludesDescendants);
        var sources = new[] { guards.HeldIds, guards.NeededIds }.Where(s => s is not null).Select(s => $"({s})").ToList();
        if (sources.Count == 0)
        {
            return [];
        }

        var command = plan.Command($"SELECT dg_k.id, count(*) FROM {plan.Scan} t CROSS JOIN LATERAL ({string.Join(" UNION ", sources)}) dg_k(id) WHERE {plan.Expired} GROUP BY 1 ORDER BY 1", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var counts = new List<RetentionHoldCount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add(new RetentionHoldCount(reader.GetInt64(0), reader.GetInt64(1)));
        }

        return counts;
    }

    /// <summary>A few rows the action would take, oldest first, as <c>schema.table (ctid)</c>.</summary>
    public static async Task<IReadOnlyList<string>> SampleAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards all, CancellationToken cancellationToken)
    {
        var guards = all.For(plan.Relation, plan.IncludesDescendants);
        var command = plan.Command($"SELECT t.tableoid, t.ctid::text {plan.FromExpired}{guards.Filter}{plan.NotProcessed} ORDER BY {plan.TimestampSql} LIMIT 5", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var sample = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sample.Add($"{all.Graph.Find(reader.GetFieldValue<uint>(0))?.QualifiedName ?? plan.Relation.QualifiedName} {reader.GetString(1)}");
        }

        return sample;
    }

    /// <summary>The rows of other tables the deletes reach through the keys on the policy's rows (first level).</summary>
    public static async Task<IReadOnlyList<RetentionCascade>> CascadesAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards all, CancellationToken cancellationToken)
    {
        var graph = all.Graph;
        var guards = all.For(plan.Relation, plan.IncludesDescendants);
        var root = plan.Relation.Oid;
        var descendants = plan.IncludesDescendants ? graph.Descendants(root).Select(d => d.Oid).ToHashSet() : [];
        var cascades = new List<RetentionCascade>();
        foreach (var key in graph.References.Where(r => r.OnDelete is Catalog.PgDeleteRule.Cascade or Catalog.PgDeleteRule.SetNull or Catalog.PgDeleteRule.SetDefault))
        {
            var parent = graph.Find(key.Parent)!;
            var covers = key.Parent == root || descendants.Contains(key.Parent) || (parent.IsPartitioned && graph.IsSelfOrAncestor(key.Parent, root));
            if (!covers)
            {
                continue;
            }

            var child = graph.Find(key.Child)!;
            var command = plan.Command(
                $"SELECT count(*) FROM {child.KeyScope} c WHERE EXISTS (SELECT 1 FROM {parent.KeyScope} dg_p WHERE {key.JoinCondition("c", "dg_p")} AND EXISTS (SELECT 1 {plan.FromExpired}{guards.Filter}{plan.NotProcessed} AND t.tableoid = dg_p.tableoid AND t.ctid = dg_p.ctid))",
                connection);
            await using var commandScope = command.ConfigureAwait(false);
            var rows = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            var rule = key.OnDelete switch
            {
                Catalog.PgDeleteRule.Cascade => "CASCADE",
                Catalog.PgDeleteRule.SetNull => "SET NULL",
                _ => "SET DEFAULT",
            };
            cascades.Add(new RetentionCascade(child.QualifiedName, key.Name, rule, rows));
        }

        return cascades;
    }
}
