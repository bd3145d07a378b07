using System.Diagnostics;
using System.Globalization;
using DataGuard.Backup;
using DataGuard.Postgres.Pitr;
using DataGuard.Postgres.Tools;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// A physical drill: restores the newest base backup into a temporary data directory, starts it on a free port
/// (isolated from production's peers unless <see cref="DrillOptions.Isolate"/> is off), replays all archived WAL
/// (latest point) and promotes, runs the configured checks, then stops the server and deletes the directory. The
/// drill fails when recovery stopped before the end of the archive, or when a WAL file could not be fetched. The RPO
/// is the time between the last replayed transaction and the drill's start.
/// </summary>
internal sealed class PhysicalDrill(BackupService backups, IOptions<PostgresOptions> postgres, IOptions<DrillOptions> options, TimeProvider time, PitrRestoreService pitr, PgToolLocator tools)
{
    /// <summary>Runs the drill; the report says how it went (it is not stored here). The server is stopped and removed whatever happened.</summary>
    public async Task<DrillReport> RunAsync(Activity? activity, CancellationToken cancellationToken)
    {
        var drill = options.Value;
        var started = time.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture, $"{started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-drill-{Guid.NewGuid().ToString("N")[..6]}");
        var restoreCommand = drill.RestoreCommand
            ?? throw new DataGuardException($"{DrillOptions.SectionPath}:RestoreCommand is required for physical drills (the restored server fetches WAL with it); the CLI sets it to itself.") { Operation = "drill" };
        var root = drill.PhysicalDataRoot ?? Path.GetTempPath();
        var directory = Path.Combine(root, $"dataguard-drill-{id}");
        var production = new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString);
        var port = FreePort(production.Port);
        var target = new NpgsqlConnectionStringBuilder(production.ConnectionString) { Port = port, Pooling = false, ApplicationName = "dataguard-drill" };
        target.Host = RecoveringServer.LocalHost(target.Host);
        activity.SetDatabase(target);
        var checks = new List<DrillCheckResult>();
        string? error = null, backupId = null;
        double? rto = null, rpo = null;
        DateTimeOffset? backupCompleted = null;
        PhysicalDrillOwnership? ownership = null;
        try
        {
            // Owned from before the directory exists until it is removed; servers and copies of drills that did not finish go.
            Directory.CreateDirectory(root);
            ownership = PhysicalDrillOwnership.Acquire(directory);
            if (Leftovers(await PhysicalDrillOwnership.SweepAsync(root, directory, async () => (await tools.FindAsync("pg_ctl", CancellationToken.None).ConfigureAwait(false)).Path).ConfigureAwait(false)) is { } leftovers)
            {
                checks.Add(leftovers);
            }

            var stopwatch = Stopwatch.StartNew();
            PitrRestoreResult result;
            try
            {
                result = await pitr.RestoreAsync(
                    new PitrRestoreRequest { DataDirectory = directory, Target = PitrTarget.Latest, RestoreCommand = restoreCommand, Port = port, Start = true, Promote = true, WaitTimeout = drill.RtoTarget, Isolate = drill.Isolate },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                checks.Add(new DrillCheckResult("recovery", false, ex.Message));
                throw;
            }

            rto = stopwatch.Elapsed.TotalSeconds;
            backupId = result.BaseBackupId;
            backupCompleted = (await backups.GetAsync(result.BaseBackupId, cancellationToken).ConfigureAwait(false)).CompletedAt;
            rpo = (started - (result.ReachedTime ?? backupCompleted.Value)).TotalSeconds;
            var end = result.ArchiveEnd is { } e ? $", archive ends at {e}" : ", the archive holds no WAL segment";
            checks.Add(new DrillCheckResult("recovery", result.State == "promoted", $"base backup {result.BaseBackupId} + WAL: recovered to LSN {result.ReachedLsn} (segment {result.ReachedSegment}){end}, last transaction {result.ReachedTime:u}; {result.State}"));
            if (result.Isolation is { } isolation)
            {
                checks.Add(new DrillCheckResult("isolation", isolation.Complete, isolation.ToString()));
            }

            foreach (var check in drill.Checks)
            {
                checks.Add(await DrillDatabase.CheckAsync(target, check, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex.Message;
            activity.Fail(ex);
        }
        finally
        {
            // Only a directory this drill owns: when Acquire failed (its lock file already exists: another drill with the
            // same second and suffix), the directory is that drill's, running.
            if (ownership is not null)
            {
                try
                {
                    await StopAndRemoveAsync(directory).ConfigureAwait(false);
                }
                finally
                {
                    ownership.Dispose();
                }
            }
        }

        return new DrillReport(id, backupId, backupCompleted, started, $"{directory} (port {port})", rpo, rto, checks, error is null && checks.All(c => c.Passed), error);
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

    private static DrillCheckResult? Leftovers(PhysicalDrillOwnership.Sweep sweep)
    {
        var parts = new List<string>();
        if (sweep.Removed.Count > 0)
        {
            parts.Add($"removed {sweep.Removed.Count} data directory(ies) of physical drills that did not finish: {string.Join(", ", sweep.Removed)}");
        }

        if (sweep.Failed.Count > 0)
        {
            parts.Add($"could not remove {string.Join(", ", sweep.Failed)}: each may run a server on a copy of the cluster; stop it (pg_ctl -D <directory> -m immediate stop) and delete it by hand, or let the next drill try again");
        }

        if (sweep.LeftAlone.Count > 0)
        {
            parts.Add($"left alone {string.Join(", ", sweep.LeftAlone)}; once no drill uses one, stop its server (pg_ctl -D <directory> -m immediate stop) and delete it");
        }

        return parts.Count == 0 ? null : new DrillCheckResult("leftovers", sweep.Failed.Count == 0, string.Join("; ", parts));
    }

    /// <summary>Stops the drill's own server if it runs (fast; immediate when that fails), then deletes its directory.</summary>
    private async Task StopAndRemoveAsync(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        if (File.Exists(Path.Combine(directory, "postmaster.pid")))
        {
            var pgCtl = await tools.FindAsync("pg_ctl", CancellationToken.None).ConfigureAwait(false);
            try
            {
                await ServerUser.RunAsync(pgCtl.Path, ["-D", directory, "-m", "fast", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
            }
            catch (DataGuardException)
            {
                await ServerUser.RunAsync(pgCtl.Path, ["-D", directory, "-m", "immediate", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
            }
        }

        await PhysicalDrillOwnership.DeleteDataDirectoryAsync(directory).ConfigureAwait(false);
    }
}
