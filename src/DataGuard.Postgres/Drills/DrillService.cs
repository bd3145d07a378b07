using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// Restore drills: restores a logical backup (default: the newest verified one) into a scratch database on the same
/// or a configured drill server, checks the checksum (before anything is written), per-table row counts against the
/// manifest and the configured checks, drops the scratch database (only one it created, also when a step failed),
/// and stores a report with the measured RPO and RTO under <c>drills/&lt;id&gt;.json</c>. A drill never runs against
/// the production database.
/// </summary>
public sealed class DrillService
{
    /// <summary>The storage prefix of drill reports.</summary>
    public const string Prefix = "drills/";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly BackupService _backups;
    private readonly IBackupStorage _storage;
    private readonly IOptions<PostgresOptions> _postgres;
    private readonly IOptions<DrillOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DrillService> _logger;
    private readonly Pitr.PitrRestoreService _pitr;
    private readonly Tools.PgToolLocator _tools;

    /// <summary>Initializes a new instance of the <see cref="DrillService"/> class.</summary>
    /// <param name="backups">The backups.</param>
    /// <param name="storage">Where reports go.</param>
    /// <param name="postgres">The PostgreSQL options (the production database).</param>
    /// <param name="options">The drill options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="pitr">Point-in-time restores (physical drills).</param>
    /// <param name="tools">The pg tools (pg_ctl, to stop a physical drill's server).</param>
    public DrillService(BackupService backups, IBackupStorage storage, IOptions<PostgresOptions> postgres, IOptions<DrillOptions> options, TimeProvider time, ILogger<DrillService> logger, Pitr.PitrRestoreService pitr, Tools.PgToolLocator tools)
    {
        _pitr = pitr;
        _tools = tools;
        _backups = backups;
        _storage = storage;
        _postgres = postgres;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs a drill and stores its report.</summary>
    /// <param name="backupId">The backup to restore, or <see langword="null"/> for the newest verified logical backup.</param>
    /// <param name="cancellationToken">Cancels the drill (the scratch database is still dropped).</param>
    /// <returns>The report; <see cref="DrillReport.Passed"/> says how it went.</returns>
    /// <exception cref="DataGuardException">The drill target is the production database: refused before anything happens.</exception>
    public async Task<DrillReport> RunAsync(string? backupId = null, CancellationToken cancellationToken = default)
    {
        var options = _options.Value;
        var started = _time.GetUtcNow();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var id = string.Create(CultureInfo.InvariantCulture, $"{started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-drill-{suffix}");
        var target = new NpgsqlConnectionStringBuilder(options.ServerConnectionString ?? _postgres.Value.ConnectionString)
        {
            Database = options.Database ?? string.Create(CultureInfo.InvariantCulture, $"{options.DatabasePrefix}{started.UtcDateTime:yyyyMMdd_HHmmss}_{suffix}"),
            ApplicationName = "dataguard-drill",
        };
        DrillGuard.RequireNotProduction(new NpgsqlConnectionStringBuilder(_postgres.Value.ConnectionString), target);
        var describe = $"{target.Host}:{target.Port}/{target.Database}";
        var checks = new List<DrillCheckResult>();
        BackupManifest? manifest = null;
        double? rto = null;
        string? error = null;
        var created = false;
        try
        {
            manifest = await ResolveAsync(backupId, cancellationToken).ConfigureAwait(false);
            if (await DrillDatabase.ExistsAsync(target, cancellationToken).ConfigureAwait(false))
            {
                throw new DataGuardException($"The scratch database {describe} already exists; a drill only uses a database it creates, so it was left alone. Drop it or choose another name.") { Operation = "drill" };
            }

            var stopwatch = Stopwatch.StartNew();
            RestoreResult restored;
            try
            {
                // Isolated: the archive's subscriptions are left out (they would make the scratch database impossible to drop,
                // and point at production's publishers).
                var request = new RestoreRequest { TargetConnectionString = target.ConnectionString, Create = true, SkipSubscriptions = options.Isolate };
                restored = await _backups.RestoreAsync(manifest.Id, request, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (ArchiveIntegrityException ex)
            {
                checks.Add(new DrillCheckResult("checksum", false, ex.Message));
                throw;
            }
            finally
            {
                created = await ScratchExistsAsync(target).ConfigureAwait(false);
            }

            rto = stopwatch.Elapsed.TotalSeconds;
            checks.Add(new DrillCheckResult("checksum", true, $"SHA-256 of the stored archive matches the manifest ({manifest.Sha256[..12]}...)"));
            var mismatched = restored.Tables.Where(t => !t.Matches).ToList();
            checks.Add(new DrillCheckResult(
                "row counts",
                mismatched.Count == 0,
                mismatched.Count == 0 ? $"{restored.Tables.Count} tables match the manifest" : string.Join("; ", mismatched.Select(t => t.ToString()))));
            foreach (var check in options.Checks)
            {
                checks.Add(await DrillDatabase.CheckAsync(target, check, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex.Message;
        }
        finally
        {
            if (created)
            {
                try
                {
                    await DrillDatabase.DropAsync(target, _postgres.Value.ConnectionString!, options.Database is null ? options.DatabasePrefix : null, CancellationToken.None).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    // The server went away with the drill, say: the report says so rather than lose the drill's own outcome.
                    checks.Add(new DrillCheckResult("cleanup", false, $"the scratch database {describe} could not be dropped ({ex.Message}); it may hold a copy of the backup: drop it by hand"));
                }
            }
        }

        var report = new DrillReport(
            id,
            manifest?.Id,
            manifest?.CompletedAt,
            started,
            describe,
            manifest is null ? null : (started - manifest.CompletedAt).TotalSeconds,
            rto,
            checks,
            error is null && checks.All(c => c.Passed),
            error);
        await SaveAsync(report, cancellationToken).ConfigureAwait(false);
        DrillLog.Finished(_logger, id, report.Passed, report.BackupId ?? "-", rto ?? -1, report.RpoSeconds ?? -1);
        return report;
    }

    /// <summary>
    /// Runs a physical drill: restores the newest base backup into a temporary data directory, starts it on a free
    /// port (isolated from production's peers unless <see cref="DrillOptions.Isolate"/> is off), replays all archived
    /// WAL (latest point) and promotes, runs the configured checks, then stops the server and deletes the directory.
    /// The drill fails when recovery stopped before the end of the archive, or when a WAL file could not be fetched.
    /// The RPO is the time between the last replayed transaction and the drill's start.
    /// </summary>
    /// <param name="cancellationToken">Cancels the drill (the server is still stopped and removed).</param>
    /// <returns>The report.</returns>
    public async Task<DrillReport> RunPhysicalAsync(CancellationToken cancellationToken = default)
    {
        var options = _options.Value;
        var started = _time.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture, $"{started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-drill-{Guid.NewGuid().ToString("N")[..6]}");
        var restoreCommand = options.RestoreCommand
            ?? throw new DataGuardException($"{DrillOptions.SectionPath}:RestoreCommand is required for physical drills (the restored server fetches WAL with it); the CLI sets it to itself.") { Operation = "drill" };
        var directory = Path.Combine(options.PhysicalDataRoot ?? Path.GetTempPath(), $"dataguard-drill-{id}");
        var production = new NpgsqlConnectionStringBuilder(_postgres.Value.ConnectionString);
        var port = FreePort(production.Port);
        var target = new NpgsqlConnectionStringBuilder(production.ConnectionString) { Port = port, Pooling = false, ApplicationName = "dataguard-drill" };
        target.Host = Pitr.RecoveringServer.LocalHost(target.Host);
        var checks = new List<DrillCheckResult>();
        string? error = null, backupId = null;
        double? rto = null, rpo = null;
        DateTimeOffset? backupCompleted = null;
        try
        {
            var stopwatch = Stopwatch.StartNew();
            Pitr.PitrRestoreResult result;
            try
            {
                result = await _pitr.RestoreAsync(
                    new Pitr.PitrRestoreRequest { DataDirectory = directory, Target = Pitr.PitrTarget.Latest, RestoreCommand = restoreCommand, Port = port, Start = true, Promote = true, WaitTimeout = options.RtoTarget, Isolate = options.Isolate },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                checks.Add(new DrillCheckResult("recovery", false, ex.Message));
                throw;
            }

            rto = stopwatch.Elapsed.TotalSeconds;
            backupId = result.BaseBackupId;
            backupCompleted = (await _backups.GetAsync(result.BaseBackupId, cancellationToken).ConfigureAwait(false)).CompletedAt;
            rpo = (started - (result.ReachedTime ?? backupCompleted.Value)).TotalSeconds;
            var end = result.ArchiveEnd is { } e ? $", archive ends at {e}" : ", the archive holds no WAL segment";
            checks.Add(new DrillCheckResult("recovery", result.State == "promoted", $"base backup {result.BaseBackupId} + WAL: recovered to LSN {result.ReachedLsn} (segment {result.ReachedSegment}){end}, last transaction {result.ReachedTime:u}; {result.State}"));
            if (result.Isolation is { } isolation)
            {
                checks.Add(new DrillCheckResult("isolation", isolation.Complete, isolation.ToString()));
            }

            foreach (var check in options.Checks)
            {
                checks.Add(await DrillDatabase.CheckAsync(target, check, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex.Message;
        }
        finally
        {
            await StopAndRemoveAsync(directory).ConfigureAwait(false);
        }

        var report = new DrillReport(id, backupId, backupCompleted, started, $"{directory} (port {port})", rpo, rto, checks, error is null && checks.All(c => c.Passed), error);
        await SaveAsync(report, cancellationToken).ConfigureAwait(false);
        DrillLog.Finished(_logger, id, report.Passed, report.BackupId ?? "-", rto ?? -1, rpo ?? -1);
        return report;
    }

    /// <summary>The latest drill reports, newest first.</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The reports.</returns>
    public async Task<IReadOnlyList<DrillReport>> ListAsync(int count = 10, CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        await foreach (var item in _storage.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith(".json", StringComparison.Ordinal))
            {
                keys.Add(item.Key);
            }
        }

        var reports = new List<DrillReport>();
        foreach (var key in keys.OrderDescending(StringComparer.Ordinal).Take(count))
        {
            var stream = await _storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                reports.Add((await JsonSerializer.DeserializeAsync<DrillReport>(stream, Json, cancellationToken).ConfigureAwait(false))!);
            }
        }

        return reports;
    }

    private static int FreePort(int avoid)
    {
        while (true)
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            if (port != avoid)
            {
                return port;
            }
        }
    }

    private async Task StopAndRemoveAsync(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        if (File.Exists(Path.Combine(directory, "postmaster.pid")))
        {
            var pgCtl = await _tools.FindAsync("pg_ctl", CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Pitr.ServerUser.RunAsync(pgCtl.Path, ["-D", directory, "-m", "fast", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
            }
            catch (DataGuardException)
            {
                await Pitr.ServerUser.RunAsync(pgCtl.Path, ["-D", directory, "-m", "immediate", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
            }
        }

        Directory.Delete(directory, recursive: true);
    }

    private async Task<BackupManifest> ResolveAsync(string? backupId, CancellationToken cancellationToken)
    {
        BackupManifest manifest;
        if (backupId is not null && backupId != BackupService.Latest)
        {
            manifest = await _backups.GetAsync(backupId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var catalog = await _backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
            manifest = catalog.Backups.Where(b => b.Kind == "logical" && b.Status == BackupStatus.Verified).MaxBy(b => b.CompletedAt)
                ?? throw new DataGuardException("There is no verified logical backup to drill; run a backup first.") { Operation = "drill" };
        }

        return manifest.Kind == "logical"
            ? manifest
            : throw new DataGuardException($"Backup {manifest.Id} is a {manifest.Kind} backup; drills restore logical backups (rehearse point-in-time recovery with dataguard pitr restore into a spare data directory, see docs/runbook.md).") { Operation = "drill" };
    }

    /// <summary>Whether the scratch database exists; when the server cannot tell (it went away), assume it may, so that dropping it is tried and reported.</summary>
    private static async Task<bool> ScratchExistsAsync(NpgsqlConnectionStringBuilder target)
    {
        try
        {
            return await DrillDatabase.ExistsAsync(target, CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            return true;
        }
    }

    /// <summary>Stores the report; when that fails, the error still says how the drill went (its failure is the first thing an operator needs).</summary>
    private async Task SaveAsync(DrillReport report, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(report, Json));
        try
        {
            await _storage.WriteAsync($"{Prefix}{report.Id}.json", buffer, StorageWriteOptions.CreateOnly with { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            var outcome = report.Passed
                ? "passed"
                : $"FAILED ({report.Error ?? string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}"))})";
            throw new DataGuardException($"Drill {report.Id} {outcome}, but its report could not be stored, so health checks and 'drill list' will not show it: {ex.Message}", ex) { Operation = "drill" };
        }
    }
}
