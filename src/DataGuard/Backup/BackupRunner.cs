using System.Buffers;
using DataGuard.Backup.Encryption;
using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup;

/// <summary>
/// Makes one backup: provider output -> zstd -> (AES-256-GCM) -> SHA-256 -> storage, streamed through a bounded
/// pipe; then verifies it and writes its manifest last. A failed run leaves no manifest.
/// </summary>
internal sealed class BackupRunner(
    IBackupProvider provider,
    IBackupStorage storage,
    BackupOptions options,
    EncryptionKeyRing keys,
    BackupVerifier verifier,
    DataGuardMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private const int CopyBufferSize = 1024 * 1024;

    public async Task<BackupManifest> RunAsync(DateTimeOffset? scheduledFor, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var id = BackupIds.NewId(provider.Kind, startedAt);
        using var activity = DataGuardActivitySource.Start("dataguard.backup.run");
        activity?.SetTag("dataguard.backup.id", id);
        activity?.SetTag("dataguard.backup.kind", provider.Kind);
        activity?.SetTag("dataguard.backup.provider", provider.Name);
        if (scheduledFor is { } slot)
        {
            activity?.SetTag("dataguard.backup.scheduled_for", slot.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        try
        {
            await SweepStagingAsync(cancellationToken).ConfigureAwait(false);
            var manifest = await RunCoreAsync(id, startedAt, scheduledFor, progress, activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.backup.raw_size", manifest.RawSize);
            activity?.SetTag("dataguard.backup.stored_size", manifest.StoredSize);
            activity?.SetTag("dataguard.backup.status", manifest.Status.ToString());
            metrics.BackupFinished(provider.Kind, manifest.Status == BackupStatus.VerificationFailed ? "failure" : "success", time.GetElapsedTime(started).TotalSeconds, manifest.StoredSize, manifest.CompletedAt);
            BackupLog.Succeeded(logger, id, manifest.RawSize, manifest.StoredSize, time.GetElapsedTime(started).TotalSeconds, manifest.Status.ToString());
            if (manifest.Status == BackupStatus.VerificationFailed)
            {
                var failed = new ArchiveIntegrityException(ArchiveProblem.Unknown, $"Backup {id} was stored but failed verification: {manifest.Verification!.Detail}") { BackupId = id, Operation = "backup.verify" };
                activity.Fail(failed);
                throw failed;
            }

            return manifest;
        }
        catch (Exception ex) when (ex is not ArchiveIntegrityException)
        {
            activity.Fail(ex);
            var outcome = ex is OperationCanceledException ? "cancelled" : "failure";
            metrics.BackupFinished(provider.Kind, outcome, time.GetElapsedTime(started).TotalSeconds, null, time.GetUtcNow());
            BackupLog.AttemptFailed(logger, id, ex.Message);
            if (ex is DataGuardException { BackupId: null } dataGuard)
            {
                throw new BackupFailedException($"Backup {id} failed: {dataGuard.Message}", ex) { BackupId = id, Operation = "backup" };
            }

            throw;
        }
    }

    /// <summary>
    /// Removes the staging folders of parallel backups and restores whose process was killed (they hold unencrypted
    /// dump files), before this backup stages anything of its own; folders of running processes are left alone.
    /// </summary>
    private async Task SweepStagingAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ParallelDump.StagingLeftover> removed;
        try
        {
            removed = await Task.Run(() => ParallelDump.StagingFolder.SweepAbandoned(options.StagingDirectory), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The staging folder's parent cannot be listed: the backup itself reports it if it needs the folder.
            return;
        }

        foreach (var folder in removed)
        {
            BackupLog.StagingSwept(logger, folder.Path, folder.OwnerProcessId ?? 0, folder.Bytes);
        }
    }

    private async Task<BackupManifest> RunCoreAsync(string id, DateTimeOffset startedAt, DateTimeOffset? scheduledFor, IProgress<BackupProgress>? progress, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        if (options.Parallelism > 1 && provider is ParallelDump.IDirectoryBackupProvider directory)
        {
            return await new ParallelDump.ParallelBackupRunner(directory, provider, storage, options, keys, verifier, time, logger).RunAsync(id, startedAt, scheduledFor, progress, activity, cancellationToken).ConfigureAwait(false);
        }

        var codec = new ArchiveCodec(options.Compression, keys);
        var dataKey = StorageLayout.BackupData(id, provider.ArchiveExtension, codec.Suffix);
        var source = await provider.StartBackupAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            BackupLog.Started(logger, id, source.Info.Database);
            activity.SetDatabase(source.Info.Database, source.Info.Server);
            // Verification decodes the stored bytes as they are written, then reads the stored object back once the
            // write is done (BackupVerifier.StartWhileWriting): one decode, overlapped with the dump.
            var verification = options.VerifyAfterBackup ? verifier.StartWhileWriting(id, dataKey, codec, progress, cancellationToken) : null;
            try
            {
                var (written, rawSize) = await EncodedUpload.WriteAsync(
                    storage,
                    dataKey,
                    ArchiveContexts.Backup(id),
                    codec,
                    StorageWriteOptions.CreateOnly with { ExpectedLength = source.Info.EstimatedSize },
                    (writer, ct) => CopyAsync(source, writer, progress, ct),
                    verification?.StoredCopy,
                    cancellationToken).ConfigureAwait(false);
                var manifest = new BackupManifest
                {
                    Id = id,
                    Kind = provider.Kind,
                    Provider = provider.Name,
                    Database = source.Info.Database,
                    Server = source.Info.Server,
                    ServerVersion = source.Info.ServerVersion,
                    ToolVersions = source.Info.ToolVersions,
                    StartedAt = startedAt,
                    CompletedAt = time.GetUtcNow(),
                    ScheduledFor = scheduledFor,
                    DataKey = dataKey,
                    RawSize = rawSize,
                    StoredSize = written.Size,
                    Sha256 = written.Sha256,
                    Compression = codec.Compression,
                    Encryption = codec.Encryption,
                    TableRowCounts = source.Info.TableRowCounts,
                    Wal = source.Info.Wal,
                };
                if (verification is not null)
                {
                    manifest = manifest with { Verification = await verification.CompleteAsync(manifest).ConfigureAwait(false) };
                }

                using var json = new MemoryStream(ManifestCodec.Write(manifest, keys));
                await storage.WriteAsync(StorageLayout.BackupManifest(id), json, new StorageWriteOptions { WriteOnce = true, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
                return manifest;
            }
            finally
            {
                if (verification is not null)
                {
                    await verification.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task CopyAsync(BackupSource source, ArchiveWriter writer, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long nextReport = 0;
            int read;
            while ((read = await source.Content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                if (writer.RawBytes >= nextReport)
                {
                    progress?.Report(new BackupProgress("backup", writer.RawBytes, null));
                    nextReport = writer.RawBytes + (4 * 1024 * 1024);
                }
            }

            // The producer must have succeeded before the archive may end: a failed pg_dump never yields a complete object.
            await source.CompleteAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(new BackupProgress("backup", writer.RawBytes, writer.RawBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
