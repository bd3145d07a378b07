using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup;

/// <summary>
/// Applies retention: deletes each expired backup's manifest first (it leaves the catalog at once), then its data;
/// and removes orphaned data older than the grace period.
/// </summary>
internal sealed class BackupPruner(IBackupStorage storage, BackupCatalogReader catalog, BackupRetentionOptions options, PitrOptions pitr, Pitr.WalArchive wal, TimeProvider time, ILogger logger)
{
    public async Task<PruneResult> PruneAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = await catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
        var physical = current.Backups.Where(b => b.Kind == "physical").ToList();
        var decisions = RetentionPlanner.Plan([.. current.Backups.Except(physical)], options, now)
            .Concat(Pitr.PitrWindowPlanner.Plan(physical, pitr.WindowDays, now))
            .OrderByDescending(d => d.Backup.StartedAt)
            .ToList();
        var oldOrphans = current.Orphans.Where(o => now - o.LastModified >= options.OrphanGracePeriod).ToList();
        var youngOrphans = current.Orphans.Except(oldOrphans).ToList();
        var archived = new List<Pitr.ArchivedWalFile>();
        if (physical.Count > 0)
        {
            await foreach (var file in wal.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                archived.Add(file);
            }
        }

        var expiredWal = Pitr.PitrWindowPlanner.ExpiredWal(archived, decisions.Where(d => d.Keep && d.Backup.Kind == "physical").Select(d => d.Backup), pitr.WalSegmentSize)
            .Select(f => f.Key).ToList();
        if (dryRun)
        {
            return new PruneResult(true, decisions, oldOrphans, youngOrphans, expiredWal);
        }

        foreach (var decision in decisions.Where(d => !d.Keep))
        {
            var id = decision.Backup.Id;
            await storage.DeleteAsync(BackupIds.ManifestKey(id), cancellationToken).ConfigureAwait(false);
            var rest = new List<string>();
            await foreach (var item in storage.ListAsync($"{BackupIds.Prefix}{id}/", cancellationToken).ConfigureAwait(false))
            {
                rest.Add(item.Key);
            }

            await storage.DeleteManyAsync(rest, cancellationToken).ConfigureAwait(false);
            BackupLog.Pruned(logger, id, $"older than {options.Days} days and kept by no rule");
        }

        foreach (var orphan in oldOrphans)
        {
            await storage.DeleteManyAsync(orphan.Keys, cancellationToken).ConfigureAwait(false);
            BackupLog.Pruned(logger, orphan.Id, "data without a manifest (a failed or interrupted backup)");
        }

        // WAL last: a base backup is never left without the WAL it needs.
        await storage.DeleteManyAsync(expiredWal, cancellationToken).ConfigureAwait(false);
        return new PruneResult(false, decisions, oldOrphans, youngOrphans, expiredWal);
    }
}
