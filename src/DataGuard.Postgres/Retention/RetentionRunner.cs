using System.Globalization;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Coordination;
using DataGuard.Configuration;
using DataGuard.Retention;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Runs retention policies: expired rows (timestamp older than the policy's age, meeting its conditions) not under a
/// legal hold are deleted, anonymized or archived-then-deleted in batches, each its own short transaction with
/// lock_timeout and statement_timeout, until none are left; partitions wholly before the cutoff are dropped. A crash
/// midway loses nothing and the next run carries on. A dry run counts instead. Every run is recorded.
/// </summary>
public sealed class RetentionRunner
{
    private const string LockName = "dataguard.retention";
    private readonly DataGuardDataSource _dataSource;
    private readonly IOptions<RetentionOptions> _options;
    private readonly IDistributedLock _lock;
    private readonly DataGuardMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Func<IBackupStorage> _storage;
    private readonly IOptions<BackupOptions> _backup;
    private readonly IOptions<DataGuardOptions> _root;
    private readonly IEnumerable<RetentionPredicate> _predicates;
    private readonly ILogger<RetentionRunner> _logger;
    private readonly IOptions<Export.ExportOptions> _export;

    /// <summary>Initializes a new instance of the <see cref="RetentionRunner"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="options">The retention options.</param>
    /// <param name="distributedLock">The lock that makes one replica run.</param>
    /// <param name="metrics">The metrics.</param>
    /// <param name="time">The clock (the cutoff is now minus each policy's age).</param>
    /// <param name="storage">The storage, resolved only when a policy archives (a host without storage can still delete and anonymize).</param>
    /// <param name="backup">The backup options: archives use the backups' compression and encryption.</param>
    /// <param name="root">DataGuard's own options: the time zone of timestamp columns, unless a policy names its own.</param>
    /// <param name="predicates">The predicates registered in code.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="export">The export options (subject holds cover the rows the subject data map links to the subject).</param>
    internal RetentionRunner(
        DataGuardDataSource dataSource,
        IOptions<RetentionOptions> options,
        IDistributedLock distributedLock,
        DataGuardMetrics metrics,
        TimeProvider time,
        Func<IBackupStorage> storage,
        IOptions<BackupOptions> backup,
        IOptions<DataGuardOptions> root,
        IEnumerable<RetentionPredicate> predicates,
        ILogger<RetentionRunner> logger,
        IOptions<Export.ExportOptions> export)
    {
        _storage = storage;
        _backup = backup;
        _root = root;
        _export = export;
        _dataSource = dataSource;
        _options = options;
        _lock = distributedLock;
        _metrics = metrics;
        _time = time;
        _predicates = predicates;
        _logger = logger;
    }

    /// <summary>Checks every policy against the catalog without running it.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that fails with a <see cref="DataGuardException"/> naming the first broken policy.</returns>
    public async Task ValidateAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var planner = new RetentionPlanner(_predicates, _options.Value, TimeZone);
        foreach (var policy in _options.Value.Policies)
        {
            await planner.PlanAsync(connection, policy, _time.GetUtcNow() - policy.MaxAge, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs every policy (or one).</summary>
    /// <param name="dryRun">Count, sample and report; change nothing.</param>
    /// <param name="policy">Only this policy.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <returns>The run, or <see langword="null"/> when another replica is running retention. A policy that fails midway records its error and the others still run.</returns>
    public async Task<RetentionRunResult?> RunAsync(bool dryRun = false, string? policy = null, CancellationToken cancellationToken = default)
    {
        var policies = _options.Value.Policies.Where(p => policy is null || p.Name == policy).ToList();
        if (policy is not null && policies.Count == 0)
        {
            throw new DataGuardException($"No retention policy is named '{policy}'.") { Operation = "retention" };
        }

        // Retention reads and changes rows (and hold values): failures below this span withhold their messages.
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.retention.run");
        activity?.SetTag("dataguard.dry_run", dryRun);
        activity?.SetTag("dataguard.retention.policies", policies.Count);
        try
        {
            var result = await RunLockedAsync(policies, dryRun, activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.retention.ran", result is not null);
            if (result is not null)
            {
                activity?.SetTag("dataguard.retention.run.id", result.RunId);
                var failed = result.Results.Count(p => p.Error is not null);
                if (failed > 0)
                {
                    activity.Fail("policy_failed", $"{failed} of {result.Results.Count} retention policies failed (see dataguard.retention_results)");
                }
            }

            return result;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<RetentionRunResult?> RunLockedAsync(List<RetentionPolicyOptions> policies, bool dryRun, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var handle = await _lock.TryAcquireAsync(LockName, cancellationToken).ConfigureAwait(false);
        if (handle is null)
        {
            return null;
        }

        await using (handle.ConfigureAwait(false))
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                activity.SetDatabase(connection);
                // Every policy is compiled against the catalog, and every hold's value checked, before anything changes.
                var planner = new RetentionPlanner(_predicates, _options.Value, TimeZone);
                        var guards = new RetentionGuards.Builder(_export.Value);
                var now = _time.GetUtcNow();
                var plans = new List<RetentionPlan>();
                foreach (var p in policies)
                {
                    plans.Add(await planner.PlanAsync(connection, p, now - p.MaxAge, cancellationToken).ConfigureAwait(false));
                }

                var runId = await StartRunAsync(connection, dryRun, cancellationToken).ConfigureAwait(false);
                var results = new List<RetentionPolicyResult>();
                foreach (var plan in plans)
                {
                    var result = await RunPolicySpanAsync(connection, plan, guards, runId, now, dryRun, cancellationToken).ConfigureAwait(false);
                    results.Add(result);
                    try
                    {
                        await RecordAsync(connection, runId, result, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                    {
                        throw NotRecorded(connection, result, dryRun, "its result could not be recorded in dataguard.retention_results", ex);
                    }

                    if (!dryRun)
                    {
                        _metrics.RetentionRows(result.Policy, result.Action, result.RowsAffected);
                        _metrics.RetentionPolicyFinished(result.Policy, result.Error is null);
                    }
                }

                var finish = new NpgsqlCommand($"UPDATE dataguard.retention_runs SET finished_at = now() WHERE id = {runId.ToString(CultureInfo.InvariantCulture)}", connection);
                await using (finish.ConfigureAwait(false))
                {
                    try
                    {
                        await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when ((ex is NpgsqlException or InvalidOperationException) && results.Count > 0)
                    {
                        throw NotRecorded(connection, results[^1], dryRun, "every policy's result is recorded, but the run's end could not be", ex);
                    }
                }

                return new RetentionRunResult(runId, dryRun, results);
            }
        }
    }

    private static async Task<long> StartRunAsync(NpgsqlConnection connection, bool dryRun, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("INSERT INTO dataguard.retention_runs (dry_run, run_by) VALUES (@dry, current_user) RETURNING id", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("dry", dryRun);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task RecordAsync(NpgsqlConnection connection, long runId, RetentionPolicyResult r, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            INSERT INTO dataguard.retention_results (run_id, policy, action, rows_affected, rows_held, batches, longest_batch_ms, duration_ms, oldest, newest, error, details)
            VALUES (@run, @policy, @action, @rows, @held, @batches, @longest, @ms, @oldest, @newest, @error, @details)
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
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
        var details = JsonSerializer.Serialize(RetentionResultDetails.Of(r), RetentionJsonContext.Default.RetentionResultDetails);
        command.Parameters.AddWithValue("details", NpgsqlTypes.NpgsqlDbType.Jsonb, details);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets DataGuard's time zone as a zone name PostgreSQL knows (a Windows id is converted).</summary>
    private string TimeZone => TimeZoneInfo.TryConvertWindowsIdToIanaId(_root.Value.TimeZone, out var iana) ? iana : _root.Value.TimeZone;

    private Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => RetentionSession.OpenAsync(_dataSource, cancellationToken);

    private RetentionArchive OpenArchive(RetentionPlan plan, long runId, DateTimeOffset started)
    {
        var backup = _backup.Value;
        var codec = new ArchiveCodec(backup.Compression, EncryptionKeyRingFactory.Create(backup.Encryption));
        return new RetentionArchive(_storage(), codec, plan.Policy.Name, plan.Table.QualifiedName, runId, started, _time);
    }

    /// <summary>One policy's run, in a span of its own: its rows, its batches, and its error (by type only: messages may quote rows).</summary>
    private async Task<RetentionPolicyResult> RunPolicySpanAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards.Builder guards, long runId, DateTimeOffset started, bool dryRun, CancellationToken cancellationToken)
    {
        using var activity = DataGuardActivitySource.Start("dataguard.retention.policy");
        activity?.SetTag("dataguard.retention.policy", plan.Policy.Name);
        activity?.SetTag("dataguard.retention.action", plan.Policy.Action.ToString());
        activity?.SetTag("dataguard.retention.table", plan.Table.QualifiedName);
        activity?.SetTag("dataguard.dry_run", dryRun);
        var result = await RunPolicyAsync(connection, plan, guards, runId, started, dryRun, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("dataguard.retention.rows.affected", result.RowsAffected);
        activity?.SetTag("dataguard.retention.rows.held", result.RowsHeld);
        activity?.SetTag("dataguard.retention.rows.skipped", result.RowsSkipped);
        activity?.SetTag("dataguard.retention.batches", result.Batches);
        if (result.Error is not null && activity?.Status != System.Diagnostics.ActivityStatusCode.Error)
        {
            activity.Fail("policy_failed", $"retention policy {plan.Policy.Name} failed (its error is in dataguard.retention_results)");
        }

        return result;
    }

    private async Task<RetentionPolicyResult> RunPolicyAsync(NpgsqlConnection connection, RetentionPlan plan, RetentionGuards.Builder guards, long runId, DateTimeOffset started, bool dryRun, CancellationToken cancellationToken)
    {
        var started0 = _time.GetTimestamp();
        var policy = plan.Policy;
        var action = policy.Action.ToString();
        var archives = new List<string>();
        RetentionArchive Archive() => OpenArchive(plan, runId, started);
        if (policy.Action == RetentionAction.DropPartitions)
        {
            // A run failing midway records the partitions it dropped before the failure (they are gone).
            var outcome = new PartitionRetention.Outcome();
            string? partitionFailure = null;
            try
            {
                await PartitionRetention.RunAsync(connection, plan, guards, _options.Value, dryRun, Archive, archives, outcome, cancellationToken).ConfigureAwait(false);
                RetentionLog.PolicyDone(_logger, policy.Name, action, outcome.Rows, dryRun);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                partitionFailure = Describe(ex);
                RetentionLog.PolicyFailed(_logger, policy.Name, partitionFailure);
                DataGuardActivitySource.Current.Fail(ex);
            }

            return new RetentionPolicyResult(policy.Name, action, outcome.Rows, outcome.HeldRows, outcome.Dropped.Count, 0, (long)_time.GetElapsedTime(started0).TotalMilliseconds, null, null, outcome.Dropped, partitionFailure)
            {
                Archives = archives,
                Kept = outcome.Kept,
                RowIdentity = plan.RowIdentity,
            };
        }

        RetentionSurvey survey;
        IReadOnlyList<RetentionCascade> cascades;
        IReadOnlyList<RetentionHoldCount> perHold;
        IReadOnlyList<string> sample = [];
        try
        {
            var current = await guards.BuildAsync(connection, null, plan, cancellationToken).ConfigureAwait(false);
            survey = await RetentionSurvey.TakeAsync(connection, plan, current, cancellationToken).ConfigureAwait(false);
            cascades = await RetentionSurvey.CascadesAsync(connection, plan, current, cancellationToken).ConfigureAwait(false);
            perHold = await RetentionSurvey.PerHoldAsync(connection, plan, current, cancellationToken).ConfigureAwait(false);
            if (dryRun)
            {
                sample = await RetentionSurvey.SampleAsync(connection, plan, current, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(plan, started0, ex, archives);
        }

        var held = survey.HeldOwn + survey.HeldByReferences;
        if (dryRun)
        {
            return new RetentionPolicyResult(policy.Name, action, survey.Affected, held, 0, 0, (long)_time.GetElapsedTime(started0).TotalMilliseconds, survey.Oldest, survey.Newest, sample, null)
            {
                ParentsHeldByChildren = survey.HeldByReferences,
                RowsKeptByReferences = survey.KeptByReferences,
                Cascades = cascades,
                Holds = perHold,
                RowIdentity = plan.RowIdentity,
            };
        }

        var done = new BatchTotals(t => RetentionLog.Batch(_logger, policy.Name, t.Batches, t.Rows, t.LongestMs));
        string? failure = null;
        RowRetention.Skipped? skipped = null;
        try
        {
            skipped = await RowRetention.RunAsync(connection, plan, guards, _options.Value, done, Archive, archives, (survey.Expired * 2) + _options.Value.BatchSize, _metrics, _time, cancellationToken).ConfigureAwait(false);
            RetentionLog.PolicyDone(_logger, policy.Name, action, done.Rows, dryRun);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = Describe(ex);
            RetentionLog.PolicyFailed(_logger, policy.Name, failure);
            DataGuardActivitySource.Current.Fail(ex);
        }

        return new RetentionPolicyResult(policy.Name, action, done.Rows, held, done.Batches, done.LongestMs, (long)_time.GetElapsedTime(started0).TotalMilliseconds, survey.Oldest, survey.Newest, [], failure)
        {
            ParentsHeldByChildren = survey.HeldByReferences,
            RowsKeptByReferences = survey.KeptByReferences,
            Cascades = cascades,
            Archives = archives,
            Holds = perHold,
            RowIdentity = plan.RowIdentity,
            RowsSkipped = skipped?.Count ?? 0,
            SkipReasons = skipped?.Examples ?? [],
        };
    }

    private RetentionPolicyResult Failed(RetentionPlan plan, long started0, Exception ex, List<string> archives)
    {
        var failure = Describe(ex);
        RetentionLog.PolicyFailed(_logger, plan.Policy.Name, failure);
        DataGuardActivitySource.Current.Fail(ex);
        return new RetentionPolicyResult(plan.Policy.Name, plan.Policy.Action.ToString(), 0, 0, 0, 0, (long)_time.GetElapsedTime(started0).TotalMilliseconds, null, null, [], failure) { Archives = archives };
    }

    /// <summary>One line for the audit trail: the exception type and message (storage and PostgreSQL messages carry no secrets).</summary>
    private static string Describe(Exception ex) => ex switch
    {
        DataGuardException => ex.Message,
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}{(pg.Detail is { } detail ? $" ({detail})" : string.Empty)}",
        NpgsqlException { InnerException: { } inner } npgsql when inner.Message != npgsql.Message => $"{npgsql.GetType().Name}: {npgsql.Message} ({inner.Message})",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>
    /// The run's audit record could not be written (the connection to PostgreSQL is usually gone by then: the policy's
    /// own failure). The error says how the policy went, so the operator knows what retention did without the audit row.
    /// </summary>
    private static DataGuardException NotRecorded(NpgsqlConnection connection, RetentionPolicyResult result, bool dryRun, string what, Exception ex)
    {
        // A batch whose COMMIT was cut off may have committed: the counts are what is known to be done.
        var how = dryRun ? $"found {result.RowsAffected} row(s) to act on (dry run)"
            : result.Error is { } error ? $"failed after at least {result.RowsAffected} row(s) in {result.Batches} committed batch(es): {error}"
            : $"changed {result.RowsAffected} row(s) in {result.Batches} batch(es)";
        var cause = connection.State is System.Data.ConnectionState.Open ? Describe(ex) : "the connection to PostgreSQL was lost";
        return new DataGuardException(
            $"Retention policy {result.Policy} {how}; {what} ({cause}), so 'retention status' shows the run as not finished. Committed batches stay; run retention again to finish the work.",
            ex)
        { Operation = "retention" };
    }
}
