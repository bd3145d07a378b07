using System.Buffers;
using DataGuard.Backup.Encryption;
using DataGuard.IO;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup;

/// <summary>
/// Verifies a stored backup: reads the object back, checks its size and SHA-256 against the manifest, decrypts and
/// decompresses it fully, and has the provider's own tool read its table of contents.
/// </summary>
internal sealed partial class BackupVerifier(IBackupProvider provider, IBackupStorage storage, EncryptionKeyRing keys, DataGuardMetrics metrics, TimeProvider time, ILogger logger)
{
    public async Task<BackupVerification> VerifyStoredAsync(BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var activity = DataGuardActivitySource.Start("dataguard.backup.verify");
        activity?.SetTag("dataguard.backup.id", manifest.Id);
        activity?.SetTag("dataguard.backup.kind", manifest.Kind);
        activity?.SetTag("dataguard.backup.stored_size", manifest.StoredSize);
        return await RecordAsync(
            manifest.Id,
            manifest.Kind,
            "read_back",
            manifest.DataKey,
            () => started,
            activity,
            async () =>
            {
                var entries = await ReadThroughAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
                return (manifest, entries, string.Empty);
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one verification and records its outcome: passed, failed (an <see cref="ArchiveIntegrityException"/>: the
    /// archive is bad), or no verdict (the archive could not be read: thrown, nothing recorded).
    /// </summary>
    /// <param name="id">The backup's id.</param>
    /// <param name="kind">The backup's kind (metrics).</param>
    /// <param name="mode">How it verifies (metrics): <c>read_back</c> or <c>while_writing</c>.</param>
    /// <param name="dataKey">The archive's key (messages).</param>
    /// <param name="started">When the verification's duration starts (a timestamp of <see cref="TimeProvider"/>).</param>
    /// <param name="activity">The verification's span.</param>
    /// <param name="verify">The verification: the manifest verified, its entries, and how it was decoded (detail).</param>
    /// <param name="abandoned">
    /// For a verification while writing (<see langword="null"/> for a read back): whether a
    /// failure only follows the end of the write it followed (the write failed or was cancelled): no verdict, no error on the span.
    /// </param>
    private async Task<BackupVerification> RecordAsync(string id, string kind, string mode, string dataKey, Func<long> started, System.Diagnostics.Activity? activity, Func<Task<(BackupManifest Manifest, int Entries, string How)>> verify, Func<bool>? abandoned = null)
    {
        try
        {
            var (manifest, entries, how) = await verify().ConfigureAwait(false);
            var decoded = (manifest.Encryption is null ? string.Empty : "decrypted, ") + (manifest.Compression.Algorithm == "none" ? "read" : "decompressed");
            var detail = $"size and SHA-256 match; {decoded} {manifest.RawSize} bytes{how}; {entries} entries in the table of contents";
            activity?.SetTag("dataguard.backup.verified", true);
            activity?.SetTag("dataguard.backup.entries", entries);
            metrics.BackupVerified(kind, passed: true, time.GetElapsedTime(started()).TotalSeconds, mode);
            return new BackupVerification(time.GetUtcNow(), true, detail, time.GetElapsedTime(started()).TotalSeconds, entries);
        }
        catch (Exception) when (abandoned?.Invoke() == true)
        {
            activity?.SetTag("dataguard.backup.verify.abandoned", true);
            throw;
        }
        catch (ArchiveIntegrityException ex)
        {
            BackupLog.VerificationFailed(logger, id, ex.Message);
            activity?.SetTag("dataguard.backup.verified", false);
            activity.Fail(ex);
            metrics.BackupVerified(kind, passed: false, time.GetElapsedTime(started()).TotalSeconds, mode);
            return new BackupVerification(time.GetUtcNow(), false, ex.Message, time.GetElapsedTime(started()).TotalSeconds, null);
        }
        catch (Exception ex) when (ex is DataGuardException or IOException)
        {
            // The archive could not be read to its end (storage unreachable, a connection reset, a timeout): that says
            // nothing about the archive, so no verdict is recorded. A good backup recorded as failed would lose its
            // place in retention (only verified backups count) and be skipped by restores and drills.
            activity.Fail(ex);
            throw new DataGuardException($"The stored archive {dataKey} could not be read back to verify it: {ex.Message} That says nothing about the archive itself, so no verification result was recorded.", ex) { Operation = "backup.verify" };
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    /// <summary>Reads the stored object to its end and checks size and checksum only: the cheap check before a restore.</summary>
    public async Task CheckChecksumAsync(BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        if (manifest.Objects is not null)
        {
            await CheckObjectsAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        await CheckStoredAsync(manifest, "checksum", progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task CheckStoredAsync(BackupManifest manifest, string phase, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var stored = await OpenStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        await using (stored.ConfigureAwait(false))
        {
            using var hashing = new HashingReadStream(stored);
            await DrainAsync(hashing, phase, manifest.StoredSize, progress, cancellationToken).ConfigureAwait(false);
            Compare(manifest, hashing);
        }
    }

    internal static void Compare(BackupManifest manifest, HashingReadStream hashing)
    {
        if (hashing.BytesRead != manifest.StoredSize)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.SizeMismatch, $"Backup {manifest.Id}: the stored archive has {hashing.BytesRead} bytes, the manifest says {manifest.StoredSize}.") { BackupId = manifest.Id };
        }

        var sha = hashing.GetSha256Hex();
        if (!string.Equals(sha, manifest.Sha256, StringComparison.Ordinal))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.ChecksumMismatch, $"Backup {manifest.Id}: the stored archive's SHA-256 is {sha}, the manifest says {manifest.Sha256}: the archive was changed or corrupted.") { BackupId = manifest.Id };
        }
    }

    /// <summary>
    /// Opens the stored archive again and decodes it, hashing the stored bytes on the way; the decoded stream holds back
    /// its last bytes until this second read has matched the manifest's size and SHA-256 as well, so a consumer cannot
    /// finish from bytes that changed since the checksum was checked.
    /// </summary>
    internal async Task<Stream> OpenCheckedAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Objects is not null)
        {
            throw NotASingleArchive(manifest);
        }

        var stored = await OpenStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        var hashing = new HashingReadStream(stored);
        var decoded = ArchiveCodec.OpenReader(hashing, manifest, keys);
        return new VerifiedEndReadStream(decoded, ct => CompareRestOfSecondReadAsync(manifest, hashing, ct), underlying: stored);
    }

    internal async Task<Stream> OpenStoredAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.OpenReadAsync(manifest.DataKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StorageObjectNotFoundException ex)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"Backup {manifest.Id}: its archive {manifest.DataKey} is missing from {storage.Location}.", ex) { BackupId = manifest.Id };
        }
    }

    private static async Task CompareRestOfSecondReadAsync(BackupManifest manifest, HashingReadStream hashing, CancellationToken cancellationToken)
    {
        // Anything after the end of the decoded archive is hashed too: trailing bytes are a change like any other.
        await DrainAsync(hashing, "restore", null, null, cancellationToken).ConfigureAwait(false);
        try
        {
            Compare(manifest, hashing);
        }
        catch (ArchiveIntegrityException ex)
        {
            throw new ArchiveIntegrityException(ex.Problem, $"{ex.Message} The archive read for the restore differs from the one whose checksum was checked (it changed in storage, or the storage returned other bytes); its end was held back, so nothing was completed from it.", ex) { BackupId = manifest.Id };
        }
    }

    private static async Task DrainAsync(Stream stream, string phase, long? total, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            long bytes = 0;
            long nextReport = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                bytes += read;
                if (bytes >= nextReport)
                {
                    progress?.Report(new BackupProgress(phase, bytes, total));
                    nextReport = bytes + (4 * 1024 * 1024);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<int> ReadThroughAsync(BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        if (manifest.Objects is not null)
        {
            return await ReadThroughObjectsAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
        }

        var stored = await OpenStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        using var hashing = new HashingReadStream(stored);
        var raw = ArchiveCodec.OpenReader(hashing, manifest, keys);
        await using (stored.ConfigureAwait(false))
        await using (raw.ConfigureAwait(false))
        {
            try
            {
                var entries = (await provider.InspectAsync(raw, cancellationToken).ConfigureAwait(false)).Entries;

                // The tool may stop after the table of contents: read the rest, so every byte is decrypted, decompressed and hashed.
                await DrainAsync(raw, "verify", manifest.RawSize, progress, cancellationToken).ConfigureAwait(false);
                Compare(manifest, hashing);
                return entries;
            }
            catch (Exception ex) when (ex is ArchiveIntegrityException { Problem: not (ArchiveProblem.ChecksumMismatch or ArchiveProblem.SizeMismatch) } or BackupFailedException)
            {
                // A changed stored byte explains a decryption, decompression or tool failure best: finish hashing and say so.
                await DrainAsync(hashing, "verify", null, null, cancellationToken).ConfigureAwait(false);
                Compare(manifest, hashing);
                throw ex is ArchiveIntegrityException integrity
                    ? new ArchiveIntegrityException(integrity.Problem, $"Backup {manifest.Id}: {ex.Message}", ex) { BackupId = manifest.Id }
                    : new ArchiveIntegrityException(ArchiveProblem.Malformed, $"Backup {manifest.Id}: {ex.Message}", ex) { BackupId = manifest.Id };
            }
            catch (IOException) when (!hashing.Faulted)
            {
                // The stored bytes were read fine, but what they decode to ended early or broke (a truncated archive
                // stored without compression or encryption reaches the tool as an EndOfStreamException): when the
                // stored bytes differ from the manifest, that is the verdict. When they match, the failure may be the
                // tool's pipe, not the archive: it is rethrown as it is and no verdict is recorded.
                await DrainAsync(hashing, "verify", null, null, cancellationToken).ConfigureAwait(false);
                Compare(manifest, hashing);
                throw;
            }
        }
    }
}
