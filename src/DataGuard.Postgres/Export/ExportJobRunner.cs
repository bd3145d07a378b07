using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Export;
using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Takes export jobs and builds them: claims one (<c>FOR UPDATE SKIP LOCKED</c>; a running job without a heartbeat
/// for <see cref="ExportOptions.StaleAfter"/> counts as abandoned and is claimed again), writes each format from one
/// snapshot to <c>exports/&lt;job-id&gt;/&lt;attempt&gt;/</c>, and completes it only while it still holds the claim.
/// </summary>
internal sealed class ExportJobRunner
{
    private static readonly ArchiveCodec Passthrough = new(new CompressionOptions { Algorithm = "None" }, EncryptionKeyRing.None);
    private readonly ExportJobs _jobs;
    private readonly SubjectExports _exports;
    private readonly IBackupStorage _storage;
    private readonly IOptions<ExportOptions> _options;
    private readonly ILogger<ExportJobRunner> _logger;
    private readonly TimeProvider _time;
    private readonly DataGuardMetrics _metrics;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(ExportClaim Claim, string Error)> _unrecordedOutages = new();
    private readonly string _worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Initializes a new instance of the <see cref="ExportJobRunner"/> class.</summary>
    /// <param name="jobs">The job store.</param>
    /// <param name="exports">The subject exports.</param>
    /// <param name="storage">Where artifacts go.</param>
    /// <param name="options">The export options.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock (leftovers of vanished jobs are swept once older than <see cref="ExportOptions.StaleAfter"/>).</param>
    /// <param name="metrics">The metrics (job outcomes, time from request to ready, artifact sizes).</param>
    public ExportJobRunner(ExportJobs jobs, SubjectExports exports, IBackupStorage storage, IOptions<ExportOptions> options, ILogger<ExportJobRunner> logger, TimeProvider time, DataGuardMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        _jobs = jobs;
        _exports = exports;
        _storage = storage;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Claims and builds jobs until none can be claimed, each job at most once per call (a job whose attempt failed waits
    /// <see cref="ExportOptions.StaleAfter"/>, and is retried by a later call: during an outage a call still ends).
    /// </summary>
    /// <param name="cancellationToken">Stops between jobs (a job cut short is picked up again later).</param>
    /// <returns>How many jobs this call took and built: ready, failed, or failed this attempt and waiting to be retried.</returns>
    public async Task<int> RunPendingAsync(CancellationToken cancellationToken = default)
    {
        await RecordOutagesAsync(cancellationToken).ConfigureAwait(false);
        var taken = new List<Guid>();
        while (true)
        {
            // The claim gets its span once it found a job: an idle worker polls every few seconds and traces nothing.
            var claimStarted = _time.GetUtcNow();
            if (await ClaimAsync(taken, cancellationToken).ConfigureAwait(false) is not { } claim)
            {
                return taken.Count;
            }

            taken.Add(claim.Id);
            await ProcessAsync(claim, claimStarted, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the artifacts of expired jobs, fails jobs abandoned too often, and sweeps export objects nothing will hand out (failed or abandoned attempts, vanished jobs).</summary>
    /// <param name="cancellationToken">Cancels the pass.</param>
    /// <returns>How many jobs expired.</returns>
    public async Task<int> CleanupAsync(CancellationToken cancellationToken = default)
    {
        await RecordOutagesAsync(cancellationToken).ConfigureAwait(false);
        var options = _options.Value;
        var connection = await _jobs.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var abandoned = new NpgsqlCommand(
            "UPDATE dataguard.export_jobs SET status = 'failed', finished_at = now(), error = coalesce(error, 'the worker stopped') || ' (gave up after ' || attempts || ' attempts)' WHERE status = 'running' AND heartbeat_at < now() - @stale AND attempts - outages >= @max",
            connection);
        await using (abandoned.ConfigureAwait(false))
        {
            abandoned.Parameters.AddWithValue("stale", options.StaleAfter);
            abandoned.Parameters.AddWithValue("max", options.MaxAttempts);
            await abandoned.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var expired = await _jobs.ReadAsync("WHERE status = 'ready' AND expires_at <= now()", _ => { }, cancellationToken).ConfigureAwait(false);
        foreach (var job in expired)
        {
            var keys = new List<string>();
            await foreach (var item in _storage.ListAsync(StorageLayout.ExportJob(job.Id), cancellationToken).ConfigureAwait(false))
            {
                keys.Add(item.Key);
            }

            await _storage.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
            var update = new NpgsqlCommand("UPDATE dataguard.export_jobs SET status = 'expired' WHERE id = @id AND status = 'ready'", connection);
            await using (update.ConfigureAwait(false))
            {
                update.Parameters.AddWithValue("id", job.Id);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            ExportLog.Expired(_logger, job.Id, keys.Count);
        }

        await SweepAsync(cancellationToken).ConfigureAwait(false);
        return expired.Count;
    }

    /// <summary>
    /// Deletes export objects nothing will hand out: those of failed, expired or waiting jobs, of attempts other than
    /// a running job's current one, objects of a ready job that are not its artifacts, and objects of jobs that no
    /// longer exist (once older than <see cref="ExportOptions.StaleAfter"/>, so that a job being created is not raced).
    /// </summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var objects = new List<StorageObjectInfo>();
        await foreach (var item in _storage.ListAsync(StorageLayout.Exports, cancellationToken).ConfigureAwait(false))
        {
            objects.Add(item);
        }

        if (objects.Count == 0)
        {
            return;
        }

        var ids = objects.Select(o => StorageLayout.ExportJobIdOf(o.Key)).Where(id => id is not null).Select(id => id!.Value).Distinct().ToArray();
        var jobs = (await _jobs.ReadAsync("WHERE id = ANY(@ids)", p => p.AddWithValue("ids", ids), cancellationToken).ConfigureAwait(false)).ToDictionary(j => j.Id);
        var staleBefore = _time.GetUtcNow() - _options.Value.StaleAfter;
        var doomed = objects.Where(o =>
        {
            if (StorageLayout.ExportJobIdOf(o.Key) is not { } id)
            {
                return false;   // not ours: leave it
            }

            if (!jobs.TryGetValue(id, out var job))
            {
                return o.LastModified < staleBefore;
            }

            return job.Status switch
            {
                "ready" => !job.Artifacts.Any(a => a.Key == o.Key),
                "running" => !o.Key.StartsWith(StorageLayout.ExportAttempt(id, job.Attempts), StringComparison.Ordinal),
                _ => true,
            };
        }).Select(o => o.Key).ToList();
        if (doomed.Count > 0)
        {
            await _storage.DeleteManyAsync(doomed, cancellationToken).ConfigureAwait(false);
            ExportLog.Swept(_logger, doomed.Count);
        }
    }

    /// <summary>
    /// Claims the oldest waiting job (or an abandoned one). A job whose last attempt failed waits
    /// <see cref="ExportOptions.StaleAfter"/> before it is taken again, like an abandoned one: retried at once, an outage
    /// of storage or PostgreSQL lasting one pass would use up every attempt within a second and fail the job for good.
    /// </summary>
    internal Task<ExportClaim?> ClaimAsync(CancellationToken cancellationToken) => ClaimAsync([], cancellationToken);

    private async Task<ExportClaim?> ClaimAsync(List<Guid> except, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var connection = await _jobs.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(
            """
            UPDATE dataguard.export_jobs SET status = 'running', claimed_by = @worker, claim_token = @token, heartbeat_at = now(), attempts = attempts + 1, started_at = coalesce(started_at, now())
            WHERE id = (SELECT id FROM dataguard.export_jobs
                        WHERE (status = 'pending' AND (attempts = 0 OR heartbeat_at IS NULL OR heartbeat_at < now() - @stale)
                               OR status = 'running' AND heartbeat_at < now() - @stale)
                          AND attempts - outages < @max AND id <> ALL(@except)
                        ORDER BY requested_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, subject, formats, attempts, outages
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var token = Guid.NewGuid();
        command.Parameters.AddWithValue("worker", _worker);
        command.Parameters.AddWithValue("token", token);
        command.Parameters.AddWithValue("stale", options.StaleAfter);
        command.Parameters.AddWithValue("max", options.MaxAttempts);
        command.Parameters.AddWithValue("except", except.ToArray());
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ExportClaim(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetInt32(3), token) { Outages = reader.GetInt32(4) }
            : null;
    }

    /// <summary>Builds a claimed job; a heartbeat keeps the claim alive meanwhile.</summary>
    internal Task ProcessAsync(ExportClaim claim, CancellationToken cancellationToken) => ProcessAsync(claim, null, cancellationToken);

    private async Task ProcessAsync(ExportClaim claim, DateTimeOffset? claimStarted, CancellationToken cancellationToken)
    {
        // The job's subject key is personal data: spans carry the job id, never the subject.
        using var activity = (claimStarted is { } from ? DataGuardActivitySource.StartAt("dataguard.export.job", from) : DataGuardActivitySource.Start("dataguard.export.job")).HandlingPersonalData();
        activity?.SetTag("dataguard.export.job.id", claim.Id.ToString());
        activity?.SetTag("dataguard.export.job.attempt", claim.Attempt);
        activity?.SetTag("dataguard.export.formats", claim.Formats);
        if (claimStarted is { } claimFrom)
        {
            using var claimActivity = DataGuardActivitySource.StartAt("dataguard.export.claim", claimFrom);
            claimActivity?.SetTag("dataguard.export.job.id", claim.Id.ToString());
            claimActivity?.SetTag("dataguard.export.job.attempt", claim.Attempt);
            claimActivity.SetDatabase(_jobs.DataSource);
        }

        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatAsync(claim, heartbeatStop.Token);
        var completing = false;
        try
        {
            var artifacts = await BuildAsync(claim, cancellationToken).ConfigureAwait(false);
            completing = true;
            var (finished, requestToReady) = await FinishAsync(claim, "ready", artifacts, null, cancellationToken).ConfigureAwait(false);
            if (finished)
            {
                ExportLog.Ready(_logger, claim.Id, claim.Attempt);
                activity?.SetTag("dataguard.export.job.outcome", "ready");
                _metrics.ExportJobFinished("ready", requestToReady);
            }
            else
            {
                // Another worker took the job over (this one looked dead): its artifacts count, these go.
                await _storage.DeleteManyAsync(artifacts.Select(a => a.Key), CancellationToken.None).ConfigureAwait(false);
                ExportLog.LostClaim(_logger, claim.Id);
                activity?.SetTag("dataguard.export.job.outcome", "lost_claim");
                _metrics.ExportJobFinished("lost_claim", null);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever this attempt wrote is personal data nobody will fetch: it goes now, not at expiry. Unless the job
            // may have been completed with it (its "ready" was sent and the answer lost): the cleanup sweep deletes the
            // files of an attempt that is not a ready job's.
            if (!completing)
            {
                await DeleteAttemptAsync(claim).ConfigureAwait(false);
            }

            // An outage (storage or PostgreSQL) says nothing about the job: it waits StaleAfter and tries again without
            // using up an attempt, so an outage of minutes does not fail every export in flight for good.
            var outage = IsOutage(ex);
            var final = ex is SubjectNotFoundException or ExportRefusedException
                || (outage ? claim.Outages >= _options.Value.MaxOutageAttempts : claim.Attempt - claim.Outages >= _options.Value.MaxAttempts);
            try
            {
                await FinishAsync(claim, final ? "failed" : "pending", null, ex.Message, CancellationToken.None, outage).ConfigureAwait(false);
            }
            catch (Exception recording) when (outage && !final && CannotReach(recording))
            {
                // PostgreSQL is down too: the job stays claimed. Recorded as an outage once PostgreSQL is back (this
                // worker's next pass), unless another worker took the job over meanwhile (that attempt then counts).
                _unrecordedOutages.Enqueue((claim, ex.Message));
                throw;
            }

            ExportLog.Failed(_logger, claim.Id, claim.Attempt, LoggableReason(ex));
            activity?.SetTag("dataguard.export.job.outcome", final ? "failed" : "retry");
            activity.Fail(ex);
            _metrics.ExportJobFinished(final ? "failed" : "retry", null);
        }
        catch (OperationCanceledException ex)
        {
            await DeleteAttemptAsync(claim).ConfigureAwait(false);
            activity?.SetTag("dataguard.export.job.outcome", "cancelled");
            activity.Fail(ex);
            _metrics.ExportJobFinished("cancelled", null);
            throw;
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Gives back the claims of attempts lost to an outage that could not be recorded then (PostgreSQL was down). One
    /// PostgreSQL still cannot be reached for stays queued; one it refuses is dropped (the claim goes stale and is taken
    /// over), so that no entry can stop the worker.
    /// </summary>
    private async Task RecordOutagesAsync(CancellationToken cancellationToken)
    {
        for (var left = _unrecordedOutages.Count; left > 0 && _unrecordedOutages.TryDequeue(out var lost); left--)
        {
            try
            {
                await FinishAsync(lost.Claim, "pending", null, lost.Error, cancellationToken, outage: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (CannotReach(ex))
            {
                _unrecordedOutages.Enqueue(lost);
                return;
            }
            catch (NpgsqlException ex)
            {
                ExportLog.Failed(_logger, lost.Claim.Id, lost.Claim.Attempt, $"its outage could not be recorded ({LoggableReason(ex)})");
            }
        }
    }

    /// <summary>Whether PostgreSQL could not be reached (down, refusing connections, the connection lost).</summary>
    private static bool CannotReach(Exception ex) => IsOutage(ex) || ex is PostgresException { SqlState: "55000" or "57P03" };

    /// <summary>
    /// Whether an attempt failed because storage or PostgreSQL could not be used (an outage), not because of the job:
    /// storage failing or refusing (a configuration fault is the operator's, not the job's), a connection that could not
    /// be opened (refused, timed out, its authentication refused), PostgreSQL shutting down, or the connection lost. A
    /// failure of the job's own queries counts against <see cref="ExportOptions.MaxAttempts"/>: a timeout, a resource
    /// limit, a lock or serialization conflict (a subject with too much data would fail alike at every attempt).
    /// </summary>
    internal static bool IsOutage(Exception ex)
    {
        if (DataGuardDataSource.IsConnectFailure(ex))
        {
            return true;
        }

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageException:
                    return true;
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300";
                case NpgsqlException npgsql:
                    return npgsql.InnerException is IOException or System.Net.Sockets.SocketException;
            }
        }

        return false;
    }

    /// <summary>Why an attempt failed, for the log: messages that may quote a value (PostgreSQL's, a subject's key) are left out (the job's error keeps them); the SQLSTATE and the exception type stay.</summary>
    private static string LoggableReason(Exception ex) => ex switch
    {
        SubjectNotFoundException => "the subject no longer exists (deleted since the request); the job's error names it",
        ExportRefusedException or StorageException => ex.Message,
        DataGuardException { Operation: SubjectDataMapBuilder.ConfigurationOperation, InnerException: null } => ex.Message,
        _ when ex is PostgresException || ex.InnerException is PostgresException =>
            $"{(ex as PostgresException ?? (PostgresException)ex.InnerException!).SqlState} ({ex.GetType().Name}; the message is in the job's error, not logged: it may quote a value)",
        _ => $"{ex.GetType().Name} (the message is in the job's error, not logged: it may quote a value)",
    };

    /// <summary>Deletes what one attempt wrote (best effort: a failure is logged, and <see cref="CleanupAsync"/> sweeps it later).</summary>
    private async Task DeleteAttemptAsync(ExportClaim claim)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var keys = new List<string>();
            await foreach (var item in _storage.ListAsync(StorageLayout.ExportAttempt(claim.Id, claim.Attempt), timeout.Token).ConfigureAwait(false))
            {
                keys.Add(item.Key);
            }

            if (keys.Count > 0)
            {
                await _storage.DeleteManyAsync(keys, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException or IOException)
        {
            ExportLog.LeftoverKept(_logger, claim.Id, claim.Attempt, ex.Message);
        }
    }

    private async Task<List<ExportJobs.StoredArtifact>> BuildAsync(ExportClaim claim, CancellationToken cancellationToken)
    {
        var snapshot = await _exports.OpenAsync(claim.Subject, cancellationToken).ConfigureAwait(false);
        await using var snapshotScope = snapshot.ConfigureAwait(false);
        var artifacts = new List<ExportJobs.StoredArtifact>();
        foreach (var format in claim.Formats)
        {
            using var activity = DataGuardActivitySource.Start("dataguard.export.build");
            activity?.SetTag("dataguard.export.job.id", claim.Id.ToString());
            activity?.SetTag("dataguard.export.format", format);
            try
            {
                var exporter = _exports.Format(format);
                var key = StorageLayout.ExportArtifact(claim.Id, claim.Attempt, exporter.FileExtension);
                activity?.SetTag("dataguard.storage.key", key);
                IReadOnlyList<string> warnings = [];
                var (written, _) = await EncodedUpload.WriteStreamAsync(
                    _storage,
                    key,
                    Passthrough,
                    StorageWriteOptions.Default with { ContentType = exporter.ContentType },
                    async (stream, ct) => warnings = await snapshot.WriteAsync(exporter, stream, ct).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                foreach (var warning in warnings)
                {
                    ExportLog.ArtifactWarning(_logger, claim.Id, exporter.Format, warning);
                }

                activity?.SetTag("dataguard.export.artifact.size", written.Size);
                _metrics.ExportArtifact(exporter.Format, written.Size);
                artifacts.Add(new ExportJobs.StoredArtifact(exporter.Format, key, written.Size, written.Sha256, exporter.ContentType) { Warnings = warnings.Count == 0 ? null : [.. warnings] });
            }
            catch (Exception ex)
            {
                activity.Fail(ex);
                throw;
            }
        }

        return artifacts;
    }

    /// <summary>Completes (or gives back) the job while this worker still holds the claim.</summary>
    /// <returns>Whether it did, and for a finished job the seconds from its request to now (PostgreSQL's clock, as the request's).</returns>
    private async Task<(bool Finished, double? RequestToFinished)> FinishAsync(ExportClaim claim, string status, List<ExportJobs.StoredArtifact>? artifacts, string? error, CancellationToken cancellationToken, bool outage = false)
    {
        var connection = await _jobs.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(
            """
            UPDATE dataguard.export_jobs SET status = @status, error = @error, outages = outages + @outage,
                artifacts = coalesce(@artifacts::jsonb, artifacts),
                finished_at = CASE WHEN @status IN ('ready', 'failed') THEN now() END,
                heartbeat_at = CASE WHEN @status = 'pending' THEN now() ELSE heartbeat_at END,
                expires_at = CASE WHEN @status = 'ready' THEN now() + @lifetime END,
                claim_token = NULL
            WHERE id = @id AND claim_token = @token AND status = 'running'
            RETURNING extract(epoch FROM finished_at - requested_at)::float8
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("error", (object?)error?.Replace('\0', '\uFFFD') ?? DBNull.Value);   // text refuses NUL (22021)
        command.Parameters.AddWithValue("outage", outage ? 1 : 0);
        command.Parameters.AddWithValue("artifacts", NpgsqlTypes.NpgsqlDbType.Text, artifacts is null ? DBNull.Value : JsonSerializer.Serialize(artifacts, ExportJsonContext.Default.ListStoredArtifact));
        command.Parameters.AddWithValue("lifetime", _options.Value.LinkLifetime);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("token", claim.Token);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (true, reader.IsDBNull(0) ? null : reader.GetDouble(0))
            : (false, null);
    }

    private async Task HeartbeatAsync(ExportClaim claim, CancellationToken cancellationToken)
    {
        var interval = _options.Value.StaleAfter / 4;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                await BeatAsync(claim, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // One failed beat (a restarted server, a dropped pooled connection) must not end the heartbeat: the
                // claim would go stale and another worker would redo the whole export. The next beat tries again.
                ExportLog.HeartbeatFailed(_logger, claim.Id, ex.Message);
            }
        }
    }

    private async Task BeatAsync(ExportClaim claim, CancellationToken cancellationToken)
    {
        var connection = await _jobs.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand("UPDATE dataguard.export_jobs SET heartbeat_at = now() WHERE id = @id AND claim_token = @token", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("id", claim.Id);
        command.Parameters.AddWithValue("token", claim.Token);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
