using System.Text.Json;
using DataGuard.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Self-service export jobs in <c>dataguard.export_jobs</c>: requests (rate-limited per subject), status with
/// expiring download links, and the claims workers make with <c>FOR UPDATE SKIP LOCKED</c>. A claim carries a
/// token: only the worker holding the current token can complete the job, so a job whose worker died and was
/// picked up again is done exactly once.
/// </summary>
public sealed class ExportJobs : IDisposable
{
    private readonly DataGuardDataSource _dataSource;
    private readonly IOptions<ExportOptions> _options;
    private readonly SubjectExports _exports;
    private readonly IBackupStorage _storage;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Initializes a new instance of the <see cref="ExportJobs"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="options">The export options.</param>
    /// <param name="exports">The subject exports (formats, subject check).</param>
    /// <param name="storage">Where artifacts live.</param>
    /// <param name="time">The clock (link lifetimes).</param>
    internal ExportJobs(DataGuardDataSource dataSource, IOptions<ExportOptions> options, SubjectExports exports, IBackupStorage storage, TimeProvider time)
    {
        _time = time;
        _dataSource = dataSource;
        _options = options;
        _exports = exports;
        _storage = storage;
    }

    internal SemaphoreSlim Signal => _signal;

    /// <summary>Gets the data source of the jobs' table (to tag spans with the database).</summary>
    internal NpgsqlDataSource DataSource => _dataSource.DataSource;

    /// <inheritdoc />
    public void Dispose() => _signal.Dispose();

    /// <summary>Asks for a subject's data. Checks the subject exists and the formats are known, applies the per-subject rate limit, and queues the job.</summary>
    /// <param name="subject">The subject's key.</param>
    /// <param name="formats">The formats (default: the configured ones, else json, csv and pdf).</param>
    /// <param name="requestedBy">Who asks (recorded).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The queued job.</returns>
    /// <exception cref="ExportRateLimitedException">The subject asked too recently.</exception>
    /// <exception cref="DataGuard.Export.SubjectNotFoundException">No such subject.</exception>
    /// <exception cref="DataGuardException">The key is not a value of the subject key column's type.</exception>
    /// <remarks>The job records the subject's key in its canonical spelling (the key as stored, as text), whatever spelling <paramref name="subject"/> used.</remarks>
    public async Task<ExportJob> RequestExportAsync(string subject, IEnumerable<string>? formats = null, string requestedBy = "self-service", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var options = _options.Value;
        var wanted = (formats ?? (options.DefaultFormats.Count > 0 ? options.DefaultFormats : ["json", "csv", "pdf"])).Select(f => f.ToLowerInvariant()).Distinct().ToArray();
        if (wanted.Length == 0)
        {
            throw new DataGuardException("An export needs at least one format.") { Operation = "export" };
        }

        foreach (var format in wanted)
        {
            _exports.Format(format);
        }

        // The job, its owner check and the rate limit use the key as PostgreSQL spells it ("01" and "+1" are "1" for an
        // integer key, a uuid is lower case): every spelling of one subject is one subject.
        subject = await _exports.RequireSubjectAsync(subject, forExport: true, cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // One request per subject at a time decides the rate limit (two clicks at once make one job).
        var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(hashtext('dataguard.export:' || @subject));
            SELECT max(requested_at) + @limit FROM dataguard.export_jobs WHERE subject = @subject AND status <> 'failed' HAVING max(requested_at) + @limit > now();
            """,
            connection,
            transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("subject", subject);
            command.Parameters.AddWithValue("limit", options.RateLimit);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                if (options.RateLimit > TimeSpan.Zero && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new ExportRateLimitedException(reader.GetFieldValue<DateTimeOffset>(0));
                }
            }
        }

        var id = Guid.CreateVersion7();
        var insert = new NpgsqlCommand("INSERT INTO dataguard.export_jobs (id, subject, formats, requested_by) VALUES (@id, @subject, @formats, @by) RETURNING requested_at", connection, transaction);
        DateTimeOffset requestedAt;
        await using (insert.ConfigureAwait(false))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("subject", subject);
            insert.Parameters.AddWithValue("formats", wanted);
            insert.Parameters.AddWithValue("by", requestedBy);
            var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                requestedAt = reader.GetFieldValue<DateTimeOffset>(0);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _signal.Release();
        return new ExportJob(id, subject, wanted, "pending", requestedBy, requestedAt, 0, null, null, null, [], null);
    }

    /// <summary>Reads a job, with download links while it has not expired.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job, or <see langword="null"/>.</returns>
    public async Task<ExportJob?> GetExportAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var jobs = await ReadAsync("WHERE id = @id", p => p.AddWithValue("id", id), cancellationToken).ConfigureAwait(false);
        return jobs.Count == 0 ? null : await WithLinksAsync(jobs[0], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the latest jobs (without links), newest first.</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The jobs.</returns>
    public Task<IReadOnlyList<ExportJob>> ListAsync(int count = 20, CancellationToken cancellationToken = default) =>
        ReadAsync("ORDER BY requested_at DESC LIMIT @count", p => p.AddWithValue("count", count), cancellationToken);

    /// <summary>The queue and the request-to-ready times of the last day's jobs.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Pending and running jobs, failures, and p50 / p95 latency.</returns>
    internal async Task<ExportQueueStats> StatsAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(
            """
            SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'running'),
                   count(*) FILTER (WHERE status = 'failed' AND requested_at > now() - interval '1 day'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - requested_at)) FILTER (WHERE status IN ('ready', 'expired') AND requested_at > now() - interval '1 day'),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - requested_at)) FILTER (WHERE status IN ('ready', 'expired') AND requested_at > now() - interval '1 day')
            FROM dataguard.export_jobs
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        TimeSpan? Seconds(int i) => reader.IsDBNull(i) ? null : TimeSpan.FromSeconds(reader.GetDouble(i));
        return new ExportQueueStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), Seconds(3), Seconds(4));
    }

    internal Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        Schema.DataGuardSchema.OpenAsync(_dataSource, cancellationToken);

    internal async Task<IReadOnlyList<ExportJob>> ReadAsync(string where, Action<NpgsqlParameterCollection> parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(
            $"SELECT id, subject, formats, CASE WHEN status = 'ready' AND expires_at <= now() THEN 'expired' ELSE status END, requested_by, requested_at, attempts, started_at, finished_at, expires_at, artifacts::text, error FROM dataguard.export_jobs {where}",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        parameters(command.Parameters);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var jobs = new List<ExportJob>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            var artifacts = reader.IsDBNull(10) ? [] : JsonSerializer.Deserialize(reader.GetString(10), ExportJsonContext.Default.ListStoredArtifact)!.Select(a => new ExportArtifact(a.Format, a.Key, a.Size, a.Sha256, a.ContentType, null) { Warnings = a.Warnings ?? [] }).ToList();
            jobs.Add(new ExportJob(
                reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt32(6), At(7), At(8), At(9), artifacts, reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return jobs;
    }

    private async Task<ExportJob> WithLinksAsync(ExportJob job, CancellationToken cancellationToken)
    {
        if (job.Status != "ready" || job.ExpiresAt is not { } expires)
        {
            return job with { Artifacts = job.Status == "expired" ? [] : job.Artifacts };
        }

        var lifetime = expires - _time.GetUtcNow();
        var artifacts = new List<ExportArtifact>();
        foreach (var artifact in job.Artifacts)
        {
            artifacts.Add(artifact with { Link = await _storage.GetDownloadLinkAsync(artifact.Key, lifetime, cancellationToken).ConfigureAwait(false) });
        }

        return job with { Artifacts = artifacts };
    }

    /// <summary>An artifact as <c>export_jobs.artifacts</c> stores it.</summary>
    internal sealed record StoredArtifact(string Format, string Key, long Size, string Sha256, string ContentType)
    {
        /// <summary>Gets what the format could not show (absent when nothing).</summary>
        public List<string>? Warnings { get; init; }
    }
}
