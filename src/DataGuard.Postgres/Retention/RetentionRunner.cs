using System.Diagnostics;
using System.Globalization;
using DataGuard.Coordination;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Runs retention policies: expired rows (timestamp older than the policy's age) not under a legal hold are deleted in
/// batches, each its own short transaction with lock_timeout and statement_timeout, until none are left; a crash
/// midway loses nothing and the next run carries on. A dry run counts instead. Every run is recorded.
/// </summary>
public sealed class RetentionRunner
{
    private const string LockName = "dataguard.retention";
    private readonly IOptions<PostgresOptions> _postgres;
    private readonly IOptions<RetentionOptions> _options;
    private readonly IDistributedLock _lock;
    private readonly DataGuardMetrics _metrics;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="RetentionRunner"/> class.</summary>
    /// <param name="postgres">The PostgreSQL options.</param>
    /// <param name="options">The retention options.</param>
    /// <param name="distributedLock">The lock that makes one replica run.</param>
    /// <param name="metrics">The metrics.</param>
    /// <param name="time">The clock (the cutoff is now minus each policy's age).</param>
    public RetentionRunner(IOptions<PostgresOptions> postgres, IOptions<RetentionOptions> options, IDistributedLock distributedLock, DataGuardMetrics metrics, TimeProvider time)
    {
        _postgres = postgres;
        _options = options;
        _lock = distributedLock;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Runs every policy (or one).</summary>
    /// <param name="dryRun">Count, sample and report; change nothing.</param>
    /// <param name="policy">Only this policy.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <returns>The run, or <see langword="null"/> when another replica is running retention.</returns>
    public async Task<RetentionRunResult?> RunAsync(bool dryRun = false, string? policy = null, CancellationToken cancellationToken = default)
    {
        var policies = _options.Value.Policies.Where(p => policy is null || p.Name == policy).ToList();
        if (policy is not null && policies.Count == 0)
        {
            throw new DataGuardException($"No retention policy is named '{policy}'.") { Operation = "retention" };
        }

        var handle = await _lock.TryAcquireAsync(LockName, cancellationToken).ConfigureAwait(false);
        if (handle is null)
        {
            return null;
        }

        await using (handle.ConfigureAwait(false))
        {
            var connection = new NpgsqlConnection(_postgres.Value.ConnectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, null, RetentionSchema.Create, cancellationToken).ConfigureAwait(false);
                foreach (var p in policies)
                {
                    await RetentionCatalog.RequireTimestampAsync(connection, p, cancellationToken).ConfigureAwait(false);
                }

                var runId = await ScalarAsync<long>(connection, "INSERT INTO dataguard.retention_runs (dry_run, run_by) VALUES (@dry, current_user) RETURNING id", cancellationToken, ("dry", dryRun)).ConfigureAwait(false);
                var results = new List<RetentionPolicyResult>();
                foreach (var p in policies)
                {
                    var result = await RunPolicyAsync(connection, p, dryRun, cancellationToken).ConfigureAwait(false);
                    results.Add(result);
                    await RecordAsync(connection, runId, result, cancellationToken).ConfigureAwait(false);
                    if (!dryRun)
                    {
                        _metrics.RetentionRows(p.Name, p.Action.ToString(), result.RowsAffected);
                    }
                }

                await ExecuteAsync(connection, null, $"UPDATE dataguard.retention_runs SET finished_at = now() WHERE id = {runId.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
                return new RetentionRunResult(runId, dryRun, results);
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private static async Task RecordAsync(NpgsqlConnection connection, long runId, RetentionPolicyResult r, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            INSERT INTO dataguard.retention_results (run_id, policy, action, rows_affected, rows_held, batches, longest_batch_ms, duration_ms, oldest, newest, error)
            VALUES (@run, @policy, @action, @rows, @held, @batches, @longest, @ms, @oldest, @newest, @error)
            """,
            connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("run", runId);
            command.Parameters.AddWithValue("policy", r.Policy);
            command.Parameters.AddWithValue("action", r.Action);
            command.Parameters.AddWithValue("rows", r.RowsAffected);
            command.Parameters.AddWithValue("held", r.RowsHeld);
            command.Parameters.AddWithValue("batches", r.Batches);
            command.Parameters.AddWithValue("longest", r.LongestBatchMs);
            command.Parameters.AddWithValue("ms", r.DurationMs);
            command.Parameters.AddWithValue("oldest", (object?)r.Oldest ?? DBNull.Value);
            command.Parameters.AddWithValue("newest", (object?)r.Newest ?? DBNull.Value);
            command.Parameters.AddWithValue("error", (object?)r.Error ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string> NotHeldAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, CancellationToken cancellationToken)
    {
        // One condition per held column of this table; columns come from the catalog-checked holds and are quoted.
        var columns = new List<string>();
        var command = new NpgsqlCommand("SELECT DISTINCT column_name FROM dataguard.legal_holds WHERE released_at IS NULL AND table_name = @t", connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("t", policy.Table);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    columns.Add(reader.GetString(0));
                }
            }
        }

        foreach (var column in columns)
        {
            await RetentionCatalog.RequireColumnAsync(connection, policy.Table, column, $"Legal hold on {policy.Table}.{column}", cancellationToken).ConfigureAwait(false);
        }

        return string.Concat(columns.Select(c =>
            $" AND (t.{PgIdentifiers.Quote(c)} IS NULL OR t.{PgIdentifiers.Quote(c)}::text NOT IN (SELECT value FROM dataguard.legal_holds WHERE released_at IS NULL AND table_name = @table AND column_name = {Literal(c)}))"));
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private async Task<RetentionPolicyResult> RunPolicyAsync(NpgsqlConnection connection, RetentionPolicyOptions policy, bool dryRun, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var (schema, name) = PgIdentifiers.SplitQualified(policy.Table)!.Value;
        var table = PgIdentifiers.QuoteQualified(schema, name);
        var ts = $"t.{PgIdentifiers.Quote(policy.TimestampColumn)}";
        var cutoff = _time.GetUtcNow() - policy.MaxAge;
        var notHeld = await NotHeldAsync(connection, policy, cancellationToken).ConfigureAwait(false);
        var expired = $"FROM {table} t WHERE {ts} < @cutoff";

        long total, free;
        DateTimeOffset? oldest, newest;
        var sample = new List<string>();
        var count = new NpgsqlCommand($"SELECT count(*), count(*) FILTER (WHERE true{notHeld}), min({ts})::timestamptz, max({ts})::timestamptz {expired}", connection);
        await using (count.ConfigureAwait(false))
        {
            count.Parameters.AddWithValue("cutoff", cutoff);
            count.Parameters.AddWithValue("table", policy.Table);
            var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                total = reader.GetInt64(0);
                free = reader.GetInt64(1);
                oldest = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
                newest = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
            }
        }

        if (dryRun)
        {
            var keys = new NpgsqlCommand($"SELECT t.ctid::text {expired}{notHeld} ORDER BY {ts} LIMIT 5", connection);
            await using (keys.ConfigureAwait(false))
            {
                keys.Parameters.AddWithValue("cutoff", cutoff);
                keys.Parameters.AddWithValue("table", policy.Table);
                var reader = await keys.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        sample.Add(reader.GetString(0));
                    }
                }
            }

            return new RetentionPolicyResult(policy.Name, policy.Action.ToString(), free, total - free, 0, 0, stopwatch.ElapsedMilliseconds, oldest, newest, sample, null);
        }

        long deleted = 0, longest = 0;
        var batches = 0;
        var options = _options.Value;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = Stopwatch.StartNew();
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = {(long)options.LockTimeout.TotalMilliseconds}; SET LOCAL statement_timeout = {(long)options.StatementTimeout.TotalMilliseconds}", cancellationToken).ConfigureAwait(false);
                var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT t.ctid {expired}{notHeld} LIMIT @batch FOR UPDATE SKIP LOCKED))", connection, transaction);
                int rows;
                await using (delete.ConfigureAwait(false))
                {
                    delete.Parameters.AddWithValue("cutoff", cutoff);
                    delete.Parameters.AddWithValue("table", policy.Table);
                    delete.Parameters.AddWithValue("batch", options.BatchSize);
                    rows = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (rows == 0)
                {
                    break;
                }

                deleted += rows;
                batches++;
                longest = Math.Max(longest, batch.ElapsedMilliseconds);
            }
        }

        return new RetentionPolicyResult(policy.Name, policy.Action.ToString(), deleted, total - free, batches, longest, stopwatch.ElapsedMilliseconds, oldest, newest, [], null);
    }
}
