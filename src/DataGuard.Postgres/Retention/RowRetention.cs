using System.Globalization;
using DataGuard.Retention;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Delete, Anonymize and ArchiveThenDelete in batches. Each batch, in its own transaction: rebuilds the guards from the
/// holds and catalog as they are now, picks up to <see cref="RetentionOptions.BatchSize"/> expired rows that no guard
/// keeps by <c>(tableoid, ctid)</c> with <c>FOR UPDATE SKIP LOCKED</c> (rows the application holds locks on are left
/// for the next batch or run), then acts on them table by table with <c>ONLY</c> and a TID scan, so that a ctid
/// never reaches a row of another table.
/// </summary>
internal static class RowRetention
{
    public static Task RunAsync(
        NpgsqlConnection connection,
        RetentionPlan plan,
        RetentionGuards.Builder guards,
        RetentionOptions options,
        BatchTotals totals,
        Func<RetentionArchive> archive,
        List<string> archives,
        CancellationToken cancellationToken)
    {
        var action = plan.Policy.Action;
        if (action is not (RetentionAction.Delete or RetentionAction.Anonymize or RetentionAction.ArchiveThenDelete))
        {
            throw RetentionPlanner.Fail(plan.Policy, $"{action} is not a row action.");
        }

        var target = action == RetentionAction.ArchiveThenDelete ? archive() : null;
        var part = 0;
        return RetentionBatches.RunAsync(
            connection,
            options,
            totals,
            async (transaction, ct) =>
            {
                var current = await guards.BuildAsync(connection, transaction, plan, ct).ConfigureAwait(false);
                var affected = 0;
                foreach (var (leaf, tids) in await PickAsync(connection, transaction, plan, current, options.BatchSize, ct).ConfigureAwait(false))
                {
                    var table = current.Graph.Find(leaf)?.Quoted
                        ?? throw RetentionPlanner.Fail(plan.Policy, $"the table of oid {leaf} holding picked rows is not in the catalog any more.");
                    if (target is null)
                    {
                        var sql = action == RetentionAction.Delete
                            ? $"DELETE FROM ONLY {table} AS t WHERE t.ctid = ANY(@dg_tids::tid[])"
                            : $"UPDATE ONLY {table} AS t SET {plan.Assignments} WHERE t.ctid = ANY(@dg_tids::tid[])";
                        affected += await ExecuteAsync(plan, sql, tids, connection, transaction, ct).ConfigureAwait(false);
                        continue;
                    }

                    var command = Command(plan, $"DELETE FROM ONLY {table} AS t WHERE t.ctid = ANY(@dg_tids::tid[]) RETURNING row_to_json(t.*)::text", tids, connection, transaction);
                    await using var commandScope = command.ConfigureAwait(false);
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    if (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        part++;
                        var (key, rows) = await target.WriteAsync(part.ToString("D5", CultureInfo.InvariantCulture), reader, ct).ConfigureAwait(false);
                        archives.Add(key);
                        affected += checked((int)rows);
                    }
                }

                return affected;
            },
            cancellationToken);
    }

    /// <summary>The rows of one batch, grouped by the table that holds them.</summary>
    private static async Task<List<(uint Leaf, string[] Tids)>> PickAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RetentionPlan plan, RetentionGuards guards, int batchSize, CancellationToken cancellationToken)
    {
        var sql = $"SELECT t.tableoid, t.ctid::text {plan.FromExpired}{guards.Filter}{plan.NotProcessed} LIMIT {batchSize.ToString(CultureInfo.InvariantCulture)} FOR UPDATE OF t SKIP LOCKED";
        var command = plan.Command(sql, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var picked = new Dictionary<uint, List<string>>();
        var order = new List<uint>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var leaf = reader.GetFieldValue<uint>(0);
            if (!picked.TryGetValue(leaf, out var tids))
            {
                picked[leaf] = tids = [];
                order.Add(leaf);
            }

            tids.Add(reader.GetString(1));
        }

        return order.Select(leaf => (leaf, picked[leaf].ToArray())).ToList();
    }

    private static NpgsqlCommand Command(RetentionPlan plan, string sql, string[] tids, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var command = plan.Command(sql, connection, transaction);
        command.Parameters.AddWithValue("dg_tids", tids);
        return command;
    }

    private static async Task<int> ExecuteAsync(RetentionPlan plan, string sql, string[] tids, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var command = Command(plan, sql, tids, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
