using System.Diagnostics;
using System.Globalization;
using DataGuard.Backup;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// A logical drill: restores a logical backup (default: the newest verified one) into a scratch database on the same
/// or a configured drill server, checks the checksum (before anything is written), per-table row counts against the
/// manifest and the configured checks, and drops the scratch database (only one it created, also when a step failed),
/// and the scratch databases of earlier drills that did not finish (<see cref="DrillOwnership"/>). Never runs against
/// the production database.
/// </summary>
internal sealed class LogicalDrill(BackupService backups, IOptions<PostgresOptions> postgres, IOptions<DrillOptions> options, TimeProvider time)
{
    /// <summary>Runs the drill; the report says how it went (it is not stored here).</summary>
    /// <exception cref="DataGuardException">The drill target is the production database: refused before anything happens.</exception>
    public async Task<DrillReport> RunAsync(string? backupId, Activity? activity, CancellationToken cancellationToken)
    {
        var drill = options.Value;
        var started = time.GetUtcNow();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var id = string.Create(CultureInfo.InvariantCulture, $"{started.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-drill-{suffix}");
        var target = new NpgsqlConnectionStringBuilder(drill.ServerConnectionString ?? postgres.Value.ConnectionString)
        {
            Database = drill.Database ?? string.Create(CultureInfo.InvariantCulture, $"{drill.DatabasePrefix}{started.UtcDateTime:yyyyMMdd_HHmmss}_{suffix}"),
            ApplicationName = "dataguard-drill",
        };
        DrillGuard.RequireNotProduction(new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString), target);
        activity.SetDatabase(target);
        var describe = $"{target.Host}:{target.Port}/{target.Database}";
        var checks = new List<DrillCheckResult>();
        BackupManifest? manifest = null;
        double? rto = null;
        string? error = null;
        var created = false;
        DrillOwnership? ownership = null;
        try
        {
            manifest = await ResolveAsync(backupId, cancellationToken).ConfigureAwait(false);
            if (drill.Database is null)
            {
                // Owned from before it exists until it is dropped; scratch databases of drills that did not finish go.
                ownership = await DrillOwnership.AcquireAsync(target, cancellationToken).ConfigureAwait(false);
                var (dropped, failed) = await ownership.DropLeftoversAsync(drill.DatabasePrefix, target.Database!, new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString), cancellationToken).ConfigureAwait(false);
                if (dropped.Count > 0 || failed.Count > 0)
                {
                    checks.Add(new DrillCheckResult(
                        "leftovers",
                        failed.Count == 0,
                        (dropped.Count > 0 ? $"dropped {dropped.Count} scratch database(s) of drills that did not finish: {string.Join(", ", dropped)}" : string.Empty)
                        + (failed.Count > 0 ? $"{(dropped.Count > 0 ? "; " : string.Empty)}could not drop {string.Join(", ", failed)}: each may hold a copy of a backup, drop it by hand" : string.Empty)));
                }
            }

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
                var request = new RestoreRequest { TargetConnectionString = target.ConnectionString, Create = true, SkipSubscriptions = drill.Isolate };
                restored = await backups.RestoreAsync(manifest.Id, request, cancellationToken: cancellationToken).ConfigureAwait(false);
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
            if (created)
            {
                try
                {
                    await DrillDatabase.DropAsync(target, postgres.Value.ConnectionString!, drill.Database is null ? drill.DatabasePrefix : null, CancellationToken.None).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    // The server went away with the drill, say: the report says so rather than lose the drill's own outcome.
                    checks.Add(new DrillCheckResult("cleanup", false, $"the scratch database {describe} could not be dropped ({ex.Message}); it may hold a copy of the backup: drop it by hand"));
                }
            }

            if (ownership is not null)
            {
                await ownership.DisposeAsync().ConfigureAwait(false);
            }
        }

        return new DrillReport(
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
    }

    private async Task<BackupManifest> ResolveAsync(string? backupId, CancellationToken cancellationToken)
    {
        BackupManifest manifest;
        if (backupId is not null && backupId != BackupService.Latest)
        {
            manifest = await backups.GetAsync(backupId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var catalog = await backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
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
}
