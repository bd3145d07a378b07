using System.Globalization;
using DataGuard.Postgres.Catalog;
using DataGuard.Retention;
using DataGuard.Telemetry;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Delete, Anonymize and ArchiveThenDelete in batches, one table of the policy's rows at a time (the table itself, its
/// partitions or inheritance children), each batch in its own transaction that:
/// <list type="number">
/// <item>rebuilds the guards from the holds and catalog as they are now (holds are locked against placement);</item>
/// <item>picks up to <see cref="RetentionOptions.BatchSize"/> expired rows no guard keeps, after the last row it picked
/// (<c>ctid &gt; last</c>: a kept row is looked at once per run, not once per batch), with <c>FOR UPDATE SKIP LOCKED</c>
/// (rows the application holds locks on are left for the next batch or run);</item>
/// <item>acts on them with <c>ONLY</c> and a TID scan, under a savepoint: a statement that fails on some row (a
/// reference added meanwhile, a cascaded row the application has locked, a trigger that refuses, SET DEFAULT onto a row
/// that is going) is split in halves until the rows that fail are alone; those are left for the next run, with the
/// reason, and everything else goes.</item>
/// </list>
/// When a table's scan reaches its end, one more pass from its start catches the rows a lock or a race held back.
/// </summary>
internal static class RowRetention
{
    private const int MaxSkipped = 10_000;

    /// <summary>How many pages one pick orders at most (8 MB with 8 kB pages), whatever the table's size.</summary>
    private const long WindowPages = 1024;
    private static readonly string[] RowProblems =
    [
        PostgresErrorCodes.ForeignKeyViolation, PostgresErrorCodes.NotNullViolation, PostgresErrorCodes.UniqueViolation, PostgresErrorCodes.CheckViolation,
        PostgresErrorCodes.LockNotAvailable, PostgresErrorCodes.DeadlockDetected, PostgresErrorCodes.QueryCanceled, PostgresErrorCodes.RaiseException,
    ];

    public static async Task<Skipped> RunAsync(
        NpgsqlConnection connection,
        RetentionPlan plan,
        RetentionGuards.Builder guards,
        RetentionOptions options,
        BatchTotals totals,
        Func<RetentionArchive> archive,
        List<string> archives,
        long expectedAtMost,
        DataGuardMetrics metrics,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var action = plan.Policy.Action;
        if (action is not (RetentionAction.Delete or RetentionAction.Anonymize or RetentionAction.ArchiveThenDelete))
        {
            throw RetentionPlanner.Fail(plan.Policy, $"{action} is not a row action.");
        }

        var run = new Run(plan, action == RetentionAction.ArchiveThenDelete ? archive() : null, archives);
        var batch = 0;
        foreach (var leaf in plan.Leaves)
        {
            var after = "(0,0)";
            var finalPass = false;
            var skipped = new List<string>();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = time.GetTimestamp();
                var skippedBefore = run.Skipped.Count;
                int picked, affected;
                string? last;
                using (var activity = DataGuardActivitySource.Start("dataguard.retention.batch"))
                {
                    activity?.SetTag("dataguard.retention.policy", plan.Policy.Name);
                    activity?.SetTag("dataguard.retention.batch.number", ++batch);
                    activity?.SetTag("dataguard.retention.table", leaf.QualifiedName);
                    try
                    {
                        (picked, affected, last) = await RetentionBatches.RunOnceAsync(
                            connection,
                            options,
                            (transaction, ct) => BatchAsync(connection, transaction, run, guards, leaf, after, skipped, options.BatchSize, ct),
                            cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        activity.Fail(ex);
                        throw;
                    }

                    activity?.SetTag("dataguard.retention.rows.picked", picked);
                    activity?.SetTag("dataguard.retention.rows.affected", affected);
                    activity?.SetTag("dataguard.retention.rows.skipped", run.Skipped.Count - skippedBefore);
                }

                if (picked > 0)
                {
                    metrics.RetentionBatch(plan.Policy.Name, time.GetElapsedTime(started).TotalSeconds);
                    metrics.RetentionSkipped(plan.Policy.Name, run.Skipped.Count - skippedBefore);
                }

                if (picked == 0)
                {
                    if (finalPass)
                    {
                        break;
                    }

                    // Once more from the start: rows skipped while locked, or that a concurrent scan order left behind.
                    finalPass = true;
                    after = "(0,0)";
                    continue;
                }

                after = last!;
                if (affected > 0)
                {
                    totals.Add(affected, (long)time.GetElapsedTime(started).TotalMilliseconds);
                }

                if (totals.Rows > expectedAtMost)
                {
                    throw RetentionPlanner.Fail(plan.Policy, $"it acted on {totals.Rows} rows, more than the {expectedAtMost} that were expired when it started: rows are being processed again (an Anonymize value that never equals what was written?). Set MarkerColumn.");
                }

                if (run.Skipped.Count > MaxSkipped)
                {
                    throw RetentionPlanner.Fail(plan.Policy, $"more than {MaxSkipped} rows could not be acted on this run (first: {run.Skipped[0]}); stopping.");
                }
            }
        }

        return new Skipped(run.Skipped.Count, run.Skipped.Take(5).ToList());
    }

    /// <summary>The rows a run left for the next one, because acting on them alone failed.</summary>
    /// <param name="Count">How many.</param>
    /// <param name="Examples">The first few, with the reason.</param>
    public sealed record Skipped(long Count, IReadOnlyList<string> Examples);

    private static async Task<(int Picked, int Affected, string? Last)> BatchAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Run run, RetentionGuards.Builder builder, PgRelation leaf, string after, List<string> skipped, int batchSize, CancellationToken cancellationToken)
    {
        var guards = await builder.BuildAsync(connection, transaction, run.Plan, cancellationToken).ConfigureAwait(false);
        if (guards.Graph.Find(leaf.Oid) is not { } current)
        {
            return (0, 0, null);   // the table went (a partition dropped meanwhile): nothing of it is left to act on
        }

        var tids = await PickAsync(connection, transaction, run.Plan, guards.For(current, withDescendants: false), current, after, skipped, batchSize, cancellationToken).ConfigureAwait(false);
        if (tids.Count == 0)
        {
            return (0, 0, null);
        }

        var affected = await ActAsync(connection, transaction, run, current, tids, skipped, depth: 0, cancellationToken).ConfigureAwait(false);
        return (tids.Count, affected, tids.MaxBy(Tid.Parse));
    }

    /// <summary>
    /// The SQL that picks one batch in one table (never through its parent: ctids repeat from table to table) within one
    /// window of pages after the last ctid picked, in ctid order, locking what it picks and skipping what others lock.
    /// </summary>
    internal static string PickSql(RetentionPlan plan, string guardFilter, PgRelation leaf, bool withSkipped, int batchSize)
    {
        var notSkipped = withSkipped ? " AND NOT (t.ctid = ANY(@dg_skipped::tid[]))" : string.Empty;
        return $"SELECT dg_l.dg_tid::text FROM (SELECT t.ctid AS dg_tid FROM ONLY {leaf.Quoted} t WHERE t.ctid > @dg_after::tid AND t.ctid < @dg_before::tid AND {plan.Expired}{plan.NotProcessed}{notSkipped} ORDER BY t.ctid) dg_o " +
            $"CROSS JOIN LATERAL (SELECT t.ctid AS dg_tid FROM ONLY {leaf.Quoted} t WHERE t.ctid = dg_o.dg_tid AND {plan.Expired}{guardFilter}{plan.NotProcessed} FOR UPDATE OF t SKIP LOCKED) dg_l " +
            $"LIMIT {batchSize.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The SQL that acts on the picked rows of one table: delete, anonymize (update) or delete returning the rows for the archive.</summary>
    internal static string ActSql(RetentionPlan plan, PgRelation leaf, bool archive) => archive
        ? $"DELETE FROM ONLY {leaf.Quoted} AS t WHERE t.ctid = ANY(@dg_tids::tid[]) RETURNING row_to_json(t.*)::text"
        : plan.Policy.Action == RetentionAction.Delete
            ? $"DELETE FROM ONLY {leaf.Quoted} AS t WHERE t.ctid = ANY(@dg_tids::tid[])"
            : $"UPDATE ONLY {leaf.Quoted} AS t SET {plan.Assignments} WHERE t.ctid = ANY(@dg_tids::tid[])";

    /// <summary>
    /// Picks the next expired rows after <paramref name="after"/>, in ctid order: the next batch resumes after the last
    /// one picked, so a batch must take the first rows, never rows further on (a scan through an index on the timestamp
    /// column yields them in timestamp order, and resuming after the largest would pass over the rest). Candidates are
    /// ordered within a window of <see cref="WindowPages"/> pages (cheap: no guard is evaluated), then checked and
    /// locked one by one in that order until the batch is full, so that no kept row is checked twice in a pass.
    /// </summary>
    private static async Task<List<string>> PickAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, RetentionPlan plan, RetentionGuards.Fragments guards, PgRelation leaf, string after, List<string> skipped, int batchSize, CancellationToken cancellationToken)
    {
        var pages = await PagesAsync(connection, transaction, leaf, cancellationToken).ConfigureAwait(false);
        var sql = PickSql(plan, guards.Filter, leaf, skipped.Count > 0, batchSize);
        var from = after;
        for (var block = Tid.Parse(after).Block; block <= pages; block += WindowPages)
        {
            var before = string.Create(CultureInfo.InvariantCulture, $"({block + WindowPages},0)");
            var command = plan.Command(sql, connection, transaction);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.AddWithValue("dg_after", from);
            command.Parameters.AddWithValue("dg_before", before);
            if (skipped.Count > 0)
            {
                command.Parameters.AddWithValue("dg_skipped", skipped.ToArray());
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            var tids = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tids.Add(reader.GetString(0));
            }

            if (tids.Count > 0)
            {
                return tids;
            }

            // Offsets start at 1: (block, 0) is before every row of that block.
            from = before;
        }

        return [];
    }

    /// <summary>The table's size in pages now (rows added meanwhile land within it, or are picked by the final pass).</summary>
    private static async Task<long> PagesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PgRelation leaf, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_relation_size(@dg_oid::oid) / current_setting('block_size')::bigint", connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("dg_oid", NpgsqlTypes.NpgsqlDbType.Oid, leaf.Oid);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Acts on the rows under a savepoint; when the statement fails on some row, halves the rows until the failing ones are alone, and leaves those for the next run.</summary>
    private static async Task<int> ActAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Run run, PgRelation leaf, List<string> tids, List<string> skipped, int depth, CancellationToken cancellationToken)
    {
        var savepoint = string.Create(CultureInfo.InvariantCulture, $"dg_act_{depth}");
        await transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            var affected = await ExecuteAsync(connection, transaction, run, leaf, tids, cancellationToken).ConfigureAwait(false);
            await transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
            return affected;
        }
        catch (Exception ex) when (RowProblem(ex) is { } problem)
        {
            await transaction.RollbackAsync(savepoint, cancellationToken).ConfigureAwait(false);
            if (tids.Count == 1)
            {
                skipped.Add(tids[0]);
                run.Skipped.Add($"{leaf.QualifiedName} {tids[0]}: {problem.SqlState}: {problem.MessageText}");
                return 0;
            }

            var half = tids.Count / 2;
            return await ActAsync(connection, transaction, run, leaf, tids[..half], skipped, depth + 1, cancellationToken).ConfigureAwait(false)
                + await ActAsync(connection, transaction, run, leaf, tids[half..], skipped, depth + 1, cancellationToken).ConfigureAwait(false);
        }
    }

    private static PostgresException? RowProblem(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException pg && RowProblems.Contains(pg.SqlState))
            {
                return pg;
            }
        }

        return null;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Run run, PgRelation leaf, List<string> tids, CancellationToken cancellationToken)
    {
        var plan = run.Plan;
        if (run.Archive is null)
        {
            var command = plan.Command(ActSql(plan, leaf, archive: false), connection, transaction);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.AddWithValue("dg_tids", tids.ToArray());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The rows are deleted RETURNING them as JSON, streamed to the archive; the batch commits only once the archive
        // object and its manifest are stored, so a storage failure rolls the delete back.
        var delete = plan.Command(ActSql(plan, leaf, archive: true), connection, transaction);
        await using var deleteScope = delete.ConfigureAwait(false);
        delete.Parameters.AddWithValue("dg_tids", tids.ToArray());
        var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var (key, rows) = await run.Archive.WriteAsync(run.NextPart(), reader, cancellationToken).ConfigureAwait(false);
        run.Archives.Add(key);
        return checked((int)rows);
    }

    /// <summary>What one policy's run carries from batch to batch.</summary>
    private sealed class Run(RetentionPlan plan, RetentionArchive? archive, List<string> archives)
    {
        private int _part;

        public RetentionPlan Plan { get; } = plan;

        public RetentionArchive? Archive { get; } = archive;

        public List<string> Archives { get; } = archives;

        public List<string> Skipped { get; } = [];

        public string NextPart() => (++_part).ToString("D5", CultureInfo.InvariantCulture);
    }

    /// <summary>A tuple id, ordered as PostgreSQL orders them (block, then offset).</summary>
    private readonly record struct Tid(long Block, int Offset) : IComparable<Tid>
    {
        public static Tid Parse(string text)
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            return new Tid(long.Parse(text.AsSpan(1, comma - 1), CultureInfo.InvariantCulture), int.Parse(text.AsSpan(comma + 1, text.Length - comma - 2), CultureInfo.InvariantCulture));
        }

        public int CompareTo(Tid other) => Block != other.Block ? Block.CompareTo(other.Block) : Offset.CompareTo(other.Offset);
    }
}
