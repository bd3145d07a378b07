using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>What a policy's expired rows look like before anything changes: counts, held and kept rows, timestamps, a sample, cascades.</summary>
internal sealed record RetentionSurvey(long Expired, long Affected, long HeldOwn, long HeldByChildren, long KeptByReferences, DateTimeOffset? Oldest, DateTimeOffset? Newest)
{
    public static async Task<RetentionSurvey> TakeAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var ts = plan.TimestampSql;
        var sql = $"""
            SELECT count(*),
                   count(*) FILTER (WHERE true{plan.NotHeld}{plan.ChildrenNotHeld}{plan.NotReferenced}{plan.NotProcessed}),
                   count(*) FILTER (WHERE NOT (true{plan.NotHeld})),
                   count(*) FILTER (WHERE true{plan.NotHeld} AND NOT (true{plan.ChildrenNotHeld})),
                   count(*) FILTER (WHERE true{plan.NotHeld}{plan.ChildrenNotHeld} AND NOT (true{plan.NotReferenced})),
                   min({ts})::timestamptz, max({ts})::timestamptz
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

    public static async Task<IReadOnlyList<string>> SampleAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var command = plan.Command($"SELECT t.ctid::text {plan.FromAffected} ORDER BY {plan.TimestampSql} LIMIT 5", connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var sample = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sample.Add(reader.GetString(0));
        }

        return sample;
    }

    /// <summary>The rows of other tables the deletes reach through cascading keys (first level).</summary>
    public static async Task<IReadOnlyList<RetentionCascade>> CascadesAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var cascades = new List<RetentionCascade>();
        foreach (var key in plan.Cascading)
        {
            var (schema, name) = PgIdentifiers.SplitQualified(key.Child)!.Value;
            var command = plan.Command($"SELECT count(*) FROM {PgIdentifiers.QuoteQualified(schema, name)} c WHERE EXISTS (SELECT 1 {plan.FromAffected} AND {key.JoinCondition("c", "t")})", connection);
            await using var commandScope = command.ConfigureAwait(false);
            var rows = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            var rule = key.OnDelete switch
            {
                Catalog.PgDeleteRule.Cascade => "CASCADE",
                Catalog.PgDeleteRule.SetNull => "SET NULL",
                _ => "SET DEFAULT",
            };
            cascades.Add(new RetentionCascade(key.Child, key.Name, rule, rows));
        }

        return cascades;
    }
}
