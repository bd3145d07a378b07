using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Delete, Anonymize and ArchiveThenDelete in batches of expired, unheld rows picked by <c>ctid</c> with
/// <c>FOR UPDATE SKIP LOCKED</c> (rows the application holds locks on are left for the next batch or run).
/// </summary>
internal static class RowRetention
{
    public static Task RunAsync(
        NpgsqlConnection connection, RetentionPlan plan, RetentionOptions options, BatchTotals totals, Func<RetentionArchive> archive, List<string> archives, CancellationToken cancellationToken)
    {
        var pick = $"{plan.FromAffected} LIMIT {options.BatchSize} FOR UPDATE SKIP LOCKED";
        return plan.Policy.Action switch
        {
            RetentionAction.Delete => RetentionBatches.RunAsync(connection, options, totals, (tx, ct) => ExecuteAsync(plan, $"DELETE FROM {plan.Table.Quoted} AS d WHERE {Picked("d", pick, plan)}", connection, tx, ct), cancellationToken),
            RetentionAction.Anonymize => RetentionBatches.RunAsync(connection, options, totals, (tx, ct) => ExecuteAsync(plan, $"UPDATE {plan.Table.Quoted} AS t SET {plan.Assignments} WHERE {Picked("t", pick, plan)}", connection, tx, ct), cancellationToken),
            RetentionAction.ArchiveThenDelete => ArchiveThenDeleteAsync(connection, plan, options, totals, pick, archive(), archives, cancellationToken),
            _ => throw RetentionPlanner.Fail(plan.Policy, $"{plan.Policy.Action} is not a row action."),
        };
    }

    /// <summary>The rows a batch picked: by ctid (a TID scan), or by (tableoid, ctid) in a partitioned table, where ctids repeat across partitions.</summary>
    private static string Picked(string alias, string pick, RetentionPlan plan) => plan.Table.IsPartitioned
        ? $"({alias}.tableoid, {alias}.ctid) IN (SELECT t.tableoid, t.ctid {pick})"
        : $"{alias}.ctid = ANY(ARRAY(SELECT t.ctid {pick}))";

    private static async Task<int> ExecuteAsync(RetentionPlan plan, string sql, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var command = plan.Command(sql, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Each batch deletes its rows RETURNING them as JSON, streams them to the archive, and commits only once the archive object and its manifest are stored: a storage failure rolls the delete back.</summary>
    private static Task ArchiveThenDeleteAsync(
        NpgsqlConnection connection, RetentionPlan plan, RetentionOptions options, BatchTotals totals, string pick, RetentionArchive archive, List<string> archives, CancellationToken cancellationToken)
    {
        var part = 0;
        return RetentionBatches.RunAsync(
            connection,
            options,
            totals,
            async (transaction, ct) =>
            {
                var command = plan.Command($"DELETE FROM {plan.Table.Quoted} AS d WHERE {Picked("d", pick, plan)} RETURNING row_to_json(d.*)::text", connection, transaction);
                await using var commandScope = command.ConfigureAwait(false);
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return 0;
                }

                part++;
                var (key, rows) = await archive.WriteAsync(part.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), reader, ct).ConfigureAwait(false);
                archives.Add(key);
                return checked((int)rows);
            },
            cancellationToken);
    }
}
