using DataGuard.Pitr;
using System.Text.Json;
using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup;

/// <summary>
/// Applies retention: deletes each expired backup's manifest first (it leaves the catalog at once), then its data;
/// and removes orphaned data older than the grace period. A backup whose manifest exists but cannot be read or trusted
/// is never deleted: it is quarantined (a marker records why) and, when it may be a base backup, WAL retention holds.
/// </summary>
internal sealed class BackupPruner(IBackupStorage storage, BackupCatalogReader catalog, BackupRetentionOptions options, PitrOptions pitr, Pitr.WalArchive wal, DataGuardMetrics metrics, TimeProvider time, ILogger logger)
{
    public async Task<PruneResult> PruneAsync(bool dryRun, CancellationToken cancellationToken)
    {
        using var activity = DataGuardActivitySource.Start("dataguard.backup.prune");
        activity?.SetTag("dataguard.dry_run", dryRun);
        try
        {
            var result = await PruneCoreAsync(dryRun, cancellationToken).ConfigureAwait(false);
            var deleted = result.Decisions.Count(d => !d.Keep);
            activity?.SetTag("dataguard.backup.kept", result.Decisions.Count - deleted);
            activity?.SetTag("dataguard.backup.expired", deleted);
            activity?.SetTag("dataguard.backup.orphans", result.Orphans.Count);
            activity?.SetTag("dataguard.backup.quarantined", result.Unreadable.Count);
            activity?.SetTag("dataguard.wal.expired", result.ExpiredWal.Count);
            if (!dryRun)
            {
                metrics.BackupsPruned(deleted);
            }

            return result;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<PruneResult> PruneCoreAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = await catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
        var physical = current.Backups.Where(b => b.Kind == "physical").ToList();
        var decisions = BackupRetentionPlanner.Plan([.. current.Backups.Except(physical)], options, now)
            .Concat(Pitr.PitrWindowPlanner.Plan(physical, pitr.WindowDays, now))
            .OrderByDescending(d => d.Backup.StartedAt)
            .ToList();
        var oldOrphans = current.Orphans.Where(o => now - o.LastModified >= options.OrphanGracePeriod).ToList();
        var youngOrphans = current.Orphans.Except(oldOrphans).ToList();

        // Which WAL a base backup needs is in its manifest: without it, no WAL may go.
        var unknownBase = current.Unreadable.FirstOrDefault(u => u.KindFromId != "logical");
        var held = unknownBase is null ? null : $"backup {unknownBase.Id} may be a base backup and {unknownBase.Reason}; the WAL it needs is unknown, so no archived WAL is deleted until it is readable again or forgotten";
        var archived = new List<Pitr.ArchivedWalFile>();
        if (physical.Count > 0 && held is null)
        {
            await foreach (var file in wal.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                archived.Add(file);
            }
        }

        var expiredWal = Pitr.PitrWindowPlanner.ExpiredWal(archived, decisions.Where(d => d.Keep && d.Backup.Kind == "physical").Select(d => d.Backup), pitr.WalSegmentSize)
            .Select(f => f.Key).ToList();
        var result = new PruneResult(dryRun, decisions, oldOrphans, youngOrphans, expiredWal) { Unreadable = current.Unreadable, WalRetentionHeldBecause = held };
        if (dryRun)
        {
            return result;
        }

        foreach (var unreadable in current.Unreadable)
        {
            BackupLog.Quarantined(logger, unreadable.Id, unreadable.Reason);
            await MarkQuarantinedAsync(unreadable, now, cancellationToken).ConfigureAwait(false);
        }

        if (held is not null)
        {
            BackupLog.WalRetentionHeld(logger, held);
        }

        foreach (var decision in decisions.Where(d => !d.Keep))
        {
            var id = decision.Backup.Id;
            await storage.DeleteAsync(StorageLayout.BackupManifest(id), cancellationToken).ConfigureAwait(false);
            var rest = new List<string>();
            await foreach (var item in storage.ListAsync(StorageLayout.BackupFolder(id), cancellationToken).ConfigureAwait(false))
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
        return result;
    }

    /// <summary>
    /// Leaves a marker in the folder, so that it stays quarantined (not an orphan) even if its manifest disappears.
    /// Write-once: the first reason is kept.
    /// </summary>
    private async Task MarkQuarantinedAsync(UnreadableBackup unreadable, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = StorageLayout.BackupQuarantine(unreadable.Id);
        if (unreadable.Keys.Contains(key))
        {
            return;
        }

        using var content = new MemoryStream(QuarantineMarkerJson(unreadable, now));
        try
        {
            await storage.WriteAsync(key, content, StorageWriteOptions.CreateOnly with { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageObjectAlreadyExistsException)
        {
            // Another prune marked it first.
        }
    }

    /// <summary>The marker's bytes (a stored format: <see cref="QuarantineMarker"/>).</summary>
    internal static byte[] QuarantineMarkerJson(UnreadableBackup unreadable, DateTimeOffset now) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new QuarantineMarker(unreadable.Id, now, unreadable.Reason, unreadable.Keys),
            ManifestSerializer.TypeInfo<QuarantineMarker>(ManifestSerializer.Options));
}
