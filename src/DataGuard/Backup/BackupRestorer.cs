using DataGuard.Backup.Encryption;
using DataGuard.IO;
using DataGuard.Telemetry;

namespace DataGuard.Backup;

/// <summary>
/// Restores a backup: checks the stored archive's checksum before the target is touched (unless told not to), checks
/// that the key opens the archive (its header and first chunk), prepares the target (refusing one that holds data,
/// unless clean), streams the archive into the provider while hashing it again and holding back its end until that
/// second read matches the manifest too, and compares row counts with the manifest. A failed restore says what state
/// the target is in, and drops a database it created (unless asked to keep it).
/// </summary>
internal sealed partial class BackupRestorer(IBackupProvider provider, BackupVerifier verifier, EncryptionKeyRing keys, DataGuardMetrics metrics, TimeProvider time)
{
    public async Task<RestoreResult> RestoreAsync(BackupManifest manifest, RestoreRequest request, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();

        // A restore streams rows: pg_restore quotes row values in its errors, so failures here withhold their messages.
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.backup.restore");
        activity?.SetTag("dataguard.backup.id", manifest.Id);
        activity?.SetTag("dataguard.backup.kind", manifest.Kind);
        activity?.SetTag("dataguard.restore.create", request.Create);
        activity?.SetTag("dataguard.restore.clean", request.Clean);
        try
        {
            var result = await RestoreCoreAsync(manifest, request, progress, started, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.restore.tables", result.Tables.Count);
            activity?.SetTag("dataguard.restore.tables_mismatched", result.Tables.Count(t => !t.Matches));
            metrics.RestoreFinished("logical", "success", time.GetElapsedTime(started).TotalSeconds);
            return result;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            metrics.RestoreFinished("logical", ex is OperationCanceledException ? "cancelled" : "failure", time.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }

    private async Task<RestoreResult> RestoreCoreAsync(BackupManifest manifest, RestoreRequest request, IProgress<BackupProgress>? progress, long started, CancellationToken cancellationToken)
    {
        if (!request.SkipChecksumVerification)
        {
            await verifier.CheckChecksumAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
        }

        if (manifest.Encryption is { } encryption && !keys.TryGetKey(encryption.KeyId, out _))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.MissingKey, $"Backup {manifest.Id} is encrypted with key id '{encryption.KeyId}', which is not configured; the target was not touched.") { BackupId = manifest.Id };
        }

        await CheckOpensAsync(manifest, cancellationToken).ConfigureAwait(false);
        var preparation = await provider.PrepareRestoreAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            if (manifest.Objects is not null)
            {
                await RestoreObjectsAsync(manifest, request, preparation, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var raw = await verifier.OpenCheckedAsync(manifest, cancellationToken).ConfigureAwait(false);
                await using (raw.ConfigureAwait(false))
                {
                    progress?.Report(new BackupProgress("restore", 0, manifest.RawSize));
                    await provider.RestoreAsync(raw, request, cancellationToken).ConfigureAwait(false);
                    progress?.Report(new BackupProgress("restore", manifest.RawSize, manifest.RawSize));
                }
            }
        }
        catch (Exception ex)
        {
            var state = await SettleFailedTargetAsync(preparation, request).ConfigureAwait(false);
            throw ex switch
            {
                OperationCanceledException => new OperationCanceledException($"The restore of backup {manifest.Id} into {preparation.Target} was cancelled. {state}", ex, cancellationToken),
                ArchiveIntegrityException integrity => new ArchiveIntegrityException(integrity.Problem, $"{Prefix(manifest, integrity)}{integrity.Message} {state}", ex) { BackupId = manifest.Id, Operation = "restore" },
                _ => new BackupFailedException($"The restore of backup {manifest.Id} into {preparation.Target} failed: {ex.Message} {state}", ex) { BackupId = manifest.Id, Operation = "restore" },
            };
        }

        IReadOnlyDictionary<string, long> counts;
        try
        {
            counts = await provider.CountRowsAsync(request, manifest.TableRowCounts.Keys, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new BackupFailedException($"Backup {manifest.Id} was restored into {preparation.Target} (the restore committed), but its row counts could not be read to check it: {ex.Message} Check the target before using it.", ex) { BackupId = manifest.Id, Operation = "restore" };
        }

        var tables = manifest.TableRowCounts
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new TableRowCheck(t.Key, t.Value, counts.TryGetValue(t.Key, out var actual) ? actual : null))
            .ToList();
        return new RestoreResult(manifest.Id, preparation.Target, time.GetElapsedTime(started).TotalSeconds, tables);
    }

    private static string Prefix(BackupManifest manifest, Exception ex) =>
        ex.Message.Contains(manifest.Id, StringComparison.Ordinal) ? string.Empty : $"Backup {manifest.Id}: ";

    /// <summary>Reads the archive's start through the decoders: a wrong key or a damaged header fails here, before the target is prepared (or created).</summary>
    private async Task CheckOpensAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Objects is not null)
        {
            await CheckObjectsOpenAsync(manifest, cancellationToken).ConfigureAwait(false);
            return;
        }

        var stored = await verifier.OpenStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        await using (stored.ConfigureAwait(false))
        {
            var raw = ArchiveCodec.OpenReader(stored, manifest, keys);
            await using (raw.ConfigureAwait(false))
            {
                try
                {
                    _ = await raw.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
                }
                catch (ArchiveIntegrityException ex)
                {
                    throw new ArchiveIntegrityException(ex.Problem, $"{Prefix(manifest, ex)}{ex.Message} The target was not touched.", ex) { BackupId = manifest.Id, Operation = "restore" };
                }
            }
        }
    }

    /// <summary>After a failed restore: drops a database the restore created (unless asked to keep it) and says what state the target is in.</summary>
    private async Task<string> SettleFailedTargetAsync(RestorePreparation preparation, RestoreRequest request)
    {
        const string rolledBack = "the restore runs in one transaction, which was rolled back";
        if (!preparation.Created)
        {
            return $"The target {preparation.Target} is as it was before: {rolledBack}.";
        }

        if (request.KeepFailedTarget)
        {
            return $"The database {preparation.Target}, created by this restore, was kept as asked; it holds nothing of the backup: {rolledBack}.";
        }

        try
        {
            await provider.DropCreatedTargetAsync(request, CancellationToken.None).ConfigureAwait(false);
            return $"The database {preparation.Target}, created by this restore, was dropped (keep it for inspection with --keep-failed-target).";
        }
        catch (Exception ex) when (ex is DataGuardException or IOException or InvalidOperationException)
        {
            return $"The database {preparation.Target}, created by this restore, holds nothing of the backup ({rolledBack}), but it could not be dropped: {ex.Message} Drop it by hand.";
        }
    }
}
