using System.Text.RegularExpressions;
using DataGuard.Telemetry;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// DropPartitions: detaches and drops (optionally after archiving) each partition whose upper bound lies at or before
/// the cutoff. A partition is kept, and reported, when its bound is open (MAXVALUE, DEFAULT), when it holds a row
/// inside the window (a safety net; the bounds say it cannot), a held row, a row a held row references, or a row any
/// other row references. Those checks run inside the drop's own transaction, after the partition is locked and with
/// the legal-hold lock held, so that a hold placed meanwhile is seen.
/// </summary>
internal static partial class PartitionRetention
{
    public sealed record Partition(string Schema, string Name, string Bound)
    {
        public string Quoted => PgIdentifiers.QuoteQualified(Schema, Name);

        public string QualifiedName => $"{Schema}.{Name}";
    }

    /// <summary>
    /// What a run did so far: filled as each partition's transaction commits (or keeps it), so that a run failing midway
    /// still reports the partitions it dropped before the failure.
    /// </summary>
    public sealed class Outcome
    {
        public List<string> Dropped { get; } = [];

        public List<string> Kept { get; } = [];

        public long Rows { get; set; }

        public long HeldRows { get; set; }
    }

    private sealed record Census(long Total, long InWindow, long Held, long Referenced)
    {
        public string? Reason => Held > 0 ? $"{Held} held rows, or rows held rows reference"
            : InWindow > 0 ? $"{InWindow} rows inside the window"
            : Referenced > 0 ? $"{Referenced} rows other rows reference"
            : null;
    }

    /// <summary>Drops (or, in a dry run, counts) the expired partitions, recording each in <paramref name="outcome"/> as it is done.</summary>
    public static async Task RunAsync(
        NpgsqlConnection connection, RetentionPlan plan, RetentionGuards.Builder guards, RetentionOptions options, bool dryRun, Func<RetentionArchive> archive, List<string> archives, Outcome outcome, CancellationToken cancellationToken)
    {
        var batch = 0;
        foreach (var partition in await ListAsync(connection, plan, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await UpperBoundBeforeCutoffAsync(connection, plan, partition, cancellationToken).ConfigureAwait(false) is not true)
            {
                continue;
            }

            Census census;
            if (dryRun)
            {
                census = await CountAsync(connection, null, plan, await guards.BuildAsync(connection, null, plan, cancellationToken).ConfigureAwait(false), partition, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // One partition, one transaction: the batch of a DropPartitions policy.
                using var activity = DataGuardActivitySource.Start("dataguard.retention.batch");
                activity?.SetTag("dataguard.retention.policy", plan.Policy.Name);
                activity?.SetTag("dataguard.retention.batch.number", ++batch);
                activity?.SetTag("dataguard.retention.table", partition.QualifiedName);
                try
                {
                    census = await DropAsync(connection, plan, guards, options, partition, plan.Policy.ArchivePartitions ? archive : null, archives, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    activity.Fail(ex);
                    throw;
                }

                activity?.SetTag("dataguard.retention.partition.dropped", census.Reason is null);
                activity?.SetTag("dataguard.retention.rows.affected", census.Reason is null ? census.Total : 0);
            }

            if (census.Reason is { } reason)
            {
                outcome.HeldRows += census.Held;
                outcome.Kept.Add($"{partition.QualifiedName} ({reason})");
                continue;
            }

            outcome.Dropped.Add(partition.QualifiedName);
            outcome.Rows += census.Total;
        }
    }

    private static async Task<List<Partition>> ListAsync(NpgsqlConnection connection, RetentionPlan plan, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.inhparent = @oid ORDER BY 1, 2
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, plan.Relation.Oid);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var partitions = new List<Partition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Add(new Partition(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return partitions;
    }

    /// <summary>Whether the partition's upper bound is at or before the cutoff (in the column's type and the policy's zone); <see langword="null"/> for DEFAULT and MAXVALUE bounds.</summary>
    private static async Task<bool?> UpperBoundBeforeCutoffAsync(NpgsqlConnection connection, RetentionPlan plan, Partition partition, CancellationToken cancellationToken)
    {
        if (UpperBound().Match(partition.Bound) is not { Success: true } match)
        {
            return null;
        }

        // The bound's literal goes in as a parameter, cast to the column's type by PostgreSQL itself.
        var command = plan.Command($"SELECT {plan.BoundReachedSql($"@dg_upper::{plan.Timestamp.BaseType}")}", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("dg_upper", match.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<Census> CountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, RetentionPlan plan, RetentionGuards guards, Partition partition, CancellationToken cancellationToken)
    {
        var relation = guards.Graph.Find(partition.QualifiedName)
            ?? throw RetentionPlanner.Fail(plan.Policy, $"the partition {partition.QualifiedName} is not in the catalog any more.");
        var held = string.Join(" OR ", new[] { guards.Holds.Held(relation, "t", true, plan.Policy), guards.References.NeededByHold(relation, "t") }.Where(s => s is not null).DefaultIfEmpty("false"));
        var referenced = guards.References.Referenced(relation, "t") ?? "false";
        var command = plan.Command(
            $"SELECT count(*), count(*) FILTER (WHERE NOT ({plan.ExpiredSql(plan.TimestampSql)})), count(*) FILTER (WHERE {held}), count(*) FILTER (WHERE {referenced}) FROM {partition.Quoted} t",
            connection,
            transaction);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new Census(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private static async Task<Census> DropAsync(
        NpgsqlConnection connection, RetentionPlan plan, RetentionGuards.Builder guards, RetentionOptions options, Partition partition, Func<RetentionArchive>? archive, List<string> archives, CancellationToken cancellationToken)
    {
        var transaction = await RetentionBatches.BeginAsync(connection, options, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // Lock the partition first, so that no row arrives or changes between the checks, the archive and the drop.
        await ExecuteAsync(connection, transaction, $"LOCK TABLE {partition.Quoted} IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
        var census = await CountAsync(connection, transaction, plan, await guards.BuildAsync(connection, transaction, plan, cancellationToken).ConfigureAwait(false), partition, cancellationToken).ConfigureAwait(false);
        if (census.Reason is not null)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return census;
        }

        if (archive is not null)
        {
            var command = new NpgsqlCommand($"SELECT row_to_json(t.*)::text FROM {partition.Quoted} t", connection, transaction);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    archives.Add((await archive().WriteAsync(partition.Name, reader, cancellationToken).ConfigureAwait(false)).Key);
                }
            }
        }

        await ExecuteAsync(connection, transaction, $"ALTER TABLE {plan.Relation.Quoted} DETACH PARTITION {partition.Quoted}; DROP TABLE {partition.Quoted}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return census;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^FOR VALUES FROM \(.*\) TO \('((?:[^']|'')*)'\)$")]
    private static partial Regex UpperBound();
}
