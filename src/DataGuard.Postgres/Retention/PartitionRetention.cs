using System.Text.RegularExpressions;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// DropPartitions: detaches and drops (optionally after archiving) each partition whose upper bound lies at or before
/// the cutoff. A partition is kept, and reported, when its bound is open (MAXVALUE, DEFAULT), when it holds a row
/// inside the window (a safety net; the bounds say it cannot), or when it holds rows under a legal hold.
/// </summary>
internal static partial class PartitionRetention
{
    public sealed record Partition(string Schema, string Name, string Bound)
    {
        public string Quoted => PgIdentifiers.QuoteQualified(Schema, Name);

        public string QualifiedName => $"{Schema}.{Name}";
    }

    public sealed record Outcome(IReadOnlyList<string> Dropped, long Rows, long HeldRows, IReadOnlyList<string> Kept);

    public static async Task<Outcome> RunAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionOptions options, bool dryRun, Func<RetentionArchive> archive, List<string> archives, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        var kept = new List<string>();
        long rows = 0, held = 0;
        foreach (var partition in await ListAsync(connection, plan, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await UpperBoundBeforeCutoffAsync(connection, plan, partition, cancellationToken).ConfigureAwait(false) is not true)
            {
                continue;
            }

            var (total, inWindow, heldRows) = await CountAsync(connection, plan, partition, cancellationToken).ConfigureAwait(false);
            if (inWindow > 0 || heldRows > 0)
            {
                held += heldRows;
                kept.Add($"{partition.QualifiedName} ({(heldRows > 0 ? $"{heldRows} held rows" : $"{inWindow} rows inside the window")})");
                continue;
            }

            if (!dryRun)
            {
                await DropAsync(connection, plan, options, partition, plan.Policy.ArchivePartitions ? archive() : null, archives, cancellationToken).ConfigureAwait(false);
            }

            dropped.Add(partition.QualifiedName);
            rows += total;
        }

        return new Outcome(dropped, rows, held, kept);
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
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, plan.Table.Oid);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var partitions = new List<Partition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Add(new Partition(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return partitions;
    }

    /// <summary>Whether the partition's upper bound is at or before the cutoff; <see langword="null"/> for DEFAULT and MAXVALUE bounds.</summary>
    private static async Task<bool?> UpperBoundBeforeCutoffAsync(NpgsqlConnection connection, RetentionPlan plan, Partition partition, CancellationToken cancellationToken)
    {
        if (UpperBound().Match(partition.Bound) is not { Success: true } match)
        {
            return null;
        }

        // The bound's literal goes in as a parameter, cast to the column's type by PostgreSQL itself.
        var command = new NpgsqlCommand($"SELECT @upper::{plan.Timestamp.Type} <= @cutoff", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("upper", match.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal));
        command.Parameters.AddWithValue("cutoff", plan.Cutoff);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<(long Total, long InWindow, long Held)> CountAsync(NpgsqlConnection connection, RetentionPlan plan, Partition partition, CancellationToken cancellationToken)
    {
        var command = plan.Command(
            $"SELECT count(*), count(*) FILTER (WHERE NOT ({plan.TimestampSql} < @cutoff)), count(*) FILTER (WHERE NOT (true{plan.NotHeld}{plan.ChildrenNotHeld})) FROM {partition.Quoted} t",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task DropAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionOptions options, Partition partition, RetentionArchive? archive, List<string> archives, CancellationToken cancellationToken)
    {
        var transaction = await RetentionBatches.BeginAsync(connection, options, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // Lock the partition first, so that no row arrives between the archive and the drop.
        await ExecuteAsync(connection, transaction, $"LOCK TABLE {partition.Quoted} IN ACCESS EXCLUSIVE MODE", cancellationToken).ConfigureAwait(false);
        if (archive is not null)
        {
            var command = new NpgsqlCommand($"SELECT row_to_json(t.*)::text FROM {partition.Quoted} t", connection, transaction);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    archives.Add((await archive.WriteAsync(partition.Name, reader, cancellationToken).ConfigureAwait(false)).Key);
                }
            }
        }

        await ExecuteAsync(connection, transaction, $"ALTER TABLE {plan.Table.Quoted} DETACH PARTITION {partition.Quoted}; DROP TABLE {partition.Quoted}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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
