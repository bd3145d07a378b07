using DataGuard.Options;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup;

/// <summary>
/// Applies retention: deletes each expired backup's manifest first (it leaves the catalog at once), then its data;
/// and removes orphaned data older than the grace period.
/// </summary>
internal sealed class BackupPruner(IBackupStorage storage, BackupCatalogReader catalog, BackupRetentionOptions options, TimeProvider time, ILogger logger)
{
    public async Task<PruneResult> PruneAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = await catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
        var decisions = RetentionPlanner.Plan(current.Backups, options, now);
        var oldOrphans = current.Orphans.Where(o => now - o.LastModified >= options.OrphanGracePeriod).ToList();
        var youngOrphans = current.Orphans.Except(oldOrphans).ToList();
        if (dryRun)
        {
            return new PruneResult(true, decisions, oldOrphans, youngOrphans);
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

        return new PruneResult(false, decisions, oldOrphans, youngOrphans);
    }
}
