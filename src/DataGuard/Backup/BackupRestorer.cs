using System.Diagnostics;
using DataGuard.Backup.Encryption;
using DataGuard.IO;

namespace DataGuard.Backup;

/// <summary>
/// Restores a backup: checks the stored archive's checksum before the target is touched (unless told not to),
/// prepares the target (refusing one that holds data, unless clean), streams the archive into the provider,
/// and compares row counts with the manifest.
/// </summary>
internal sealed class BackupRestorer(IBackupProvider provider, BackupVerifier verifier, EncryptionKeyRing keys)
{
    public async Task<RestoreResult> RestoreAsync(BackupManifest manifest, RestoreRequest request, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (!request.SkipChecksumVerification)
        {
            await verifier.CheckChecksumAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
        }

        if (manifest.Encryption is { } encryption && !keys.TryGetKey(encryption.KeyId, out _))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.MissingKey, $"Backup {manifest.Id} is encrypted with key id '{encryption.KeyId}', which is not configured; the target was not touched.") { BackupId = manifest.Id };
        }

        await provider.PrepareRestoreAsync(request, cancellationToken).ConfigureAwait(false);
        var stored = await verifier.OpenStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        using var hashing = new HashingReadStream(stored);
        var raw = ArchiveCodec.OpenReader(hashing, manifest, keys);
        await using (stored.ConfigureAwait(false))
        await using (raw.ConfigureAwait(false))
        {
            progress?.Report(new BackupProgress("restore", 0, manifest.RawSize));
            await provider.RestoreAsync(raw, request, cancellationToken).ConfigureAwait(false);
            progress?.Report(new BackupProgress("restore", manifest.RawSize, manifest.RawSize));
        }

        var counts = await provider.CountRowsAsync(request, manifest.TableRowCounts.Keys, cancellationToken).ConfigureAwait(false);
        var tables = manifest.TableRowCounts
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new TableRowCheck(t.Key, t.Value, counts.TryGetValue(t.Key, out var actual) ? actual : null))
            .ToList();
        return new RestoreResult(manifest.Id, request.DescribeTarget(), stopwatch.Elapsed.TotalSeconds, tables);
    }
}
