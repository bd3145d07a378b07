using DataGuard.Backup.Encryption;
using DataGuard.IO;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// Makes one parallel backup: <c>pg_dump -Fd -j N</c> into a private staging folder; each file, once pg_dump has
/// finished it, goes through the codec (zstd, then AES-256-GCM bound to <c>backup:&lt;id&gt;/&lt;file&gt;</c>) into
/// an object of its own, and is deleted; <c>toc.dat</c> goes last, once pg_dump has succeeded. Then the backup is
/// verified and its manifest, which lists every object with its size and SHA-256, is written last. A failed or
/// interrupted run leaves no manifest: what it stored is orphaned data, pruned under the usual rules.
/// </summary>
internal sealed class ParallelBackupRunner(
    IDirectoryBackupProvider provider,
    IBackupProvider backupProvider,
    IBackupStorage storage,
    BackupOptions options,
    EncryptionKeyRing keys,
    BackupVerifier verifier,
    TimeProvider time,
    ILogger logger)
{
    private const int CopyBufferSize = 1024 * 1024;

    public async Task<BackupManifest> RunAsync(string id, DateTimeOffset startedAt, DateTimeOffset? scheduledFor, IProgress<BackupProgress>? progress, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var codec = new ArchiveCodec(options.Compression, keys);
        var staging = StagingFolder.Create(options.StagingDirectory, $"backup-{id}");
        try
        {
            // Prune must not take a running backup's folder for an orphan while a large table keeps it silent for hours.
            var heartbeat = await BackupHeartbeat.StartAsync(storage, id, BackupHeartbeat.IntervalFor(options.Retention.OrphanGracePeriod), time, logger, cancellationToken).ConfigureAwait(false);
            await using (heartbeat.ConfigureAwait(false))
            {
                return await RunCoreAsync(id, startedAt, scheduledFor, codec, staging, progress, activity, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            StagingFolder.Delete(staging);
        }
    }

    private async Task<BackupManifest> RunCoreAsync(string id, DateTimeOffset startedAt, DateTimeOffset? scheduledFor, ArchiveCodec codec, string staging, IProgress<BackupProgress>? progress, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var dumpDirectory = Path.Combine(staging, "dump");
        var source = await provider.StartDirectoryBackupAsync(dumpDirectory, options.Parallelism, cancellationToken).ConfigureAwait(false);
        List<BackupObject> objects;
        await using (source.ConfigureAwait(false))
        {
            BackupLog.Started(logger, id, source.Info.Database);
            activity.SetDatabase(source.Info.Database, source.Info.Server);
            activity?.SetTag("dataguard.backup.parallelism", options.Parallelism);
            objects = await StoreAsync(id, codec, source, dumpDirectory, progress, cancellationToken).ConfigureAwait(false);
        }

        var toc = objects.Single(o => o.Name == DumpDirectoryWatcher.TableOfContents);
        var manifest = new BackupManifest
        {
            Id = id,
            Kind = backupProvider.Kind,
            Provider = backupProvider.Name,
            Database = source.Info.Database,
            Server = source.Info.Server,
            ServerVersion = source.Info.ServerVersion,
            ToolVersions = source.Info.ToolVersions,
            StartedAt = startedAt,
            CompletedAt = time.GetUtcNow(),
            ScheduledFor = scheduledFor,
            DataKey = toc.Key,
            RawSize = objects.Sum(o => o.RawSize),
            StoredSize = objects.Sum(o => o.StoredSize),
            Sha256 = toc.Sha256,
            Compression = codec.Compression,
            Encryption = codec.Encryption,
            TableRowCounts = source.Info.TableRowCounts,
            Objects = [.. objects.OrderBy(o => o.Name, StringComparer.Ordinal)],
        };
        if (options.VerifyAfterBackup)
        {
            manifest = manifest with { Verification = await verifier.VerifyStoredAsync(manifest, progress, cancellationToken).ConfigureAwait(false) };
        }

        await CheckStoredAsync(manifest, cancellationToken).ConfigureAwait(false);
        using var json = new MemoryStream(ManifestCodec.Write(manifest, keys));
        await storage.WriteAsync(StorageLayout.BackupManifest(id), json, new StorageWriteOptions { WriteOnce = true, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        return manifest;
    }



    /// <summary>
    /// Lists the backup's folder and fails when an object the manifest would list is gone (a prune, an operator, a
    /// lifecycle rule took it): a manifest is only ever written for objects that exist, even with verification off.
    /// </summary>
    private async Task CheckStoredAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in storage.ListAsync(StorageLayout.BackupFolder(manifest.Id), cancellationToken).ConfigureAwait(false))
        {
            present.Add(item.Key);
        }

        var missing = manifest.Objects!.Where(o => !present.Contains(o.Key)).Select(o => o.Key).ToList();
        if (missing.Count > 0)
        {
            throw new BackupFailedException($"Backup {manifest.Id} failed: {missing.Count} of its {manifest.Objects!.Count} stored objects are gone from storage before its manifest was written (first: {missing[0]}); was it pruned or deleted while it ran? No manifest was written: what is left is orphaned data.")
            {
                BackupId = manifest.Id,
                Operation = "backup",
            };
        }
    }

    private async Task<List<BackupObject>> StoreAsync(string id, ArchiveCodec codec, DirectoryBackupSource source, string dumpDirectory, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = new DumpDirectoryWatcher(dumpDirectory, source.ProcessId);
        var limit = (long)options.StagingLimitMegabytes * 1024 * 1024;
        var uploads = new List<Task<BackupObject>>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var slots = new SemaphoreSlim(options.Parallelism);
        long waiting = 0;
        long stored = 0;

        void Start(string name, long size)
        {
            taken.Add(name);
            Interlocked.Add(ref waiting, size);
            uploads.Add(UploadAsync(name, size));
        }

        async Task<BackupObject> UploadAsync(string name, long size)
        {
            await slots.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                var stored1 = await StoreFileAsync(id, codec, Path.Combine(dumpDirectory, name), name, size, linked.Token).ConfigureAwait(false);
                progress?.Report(new BackupProgress("backup", Interlocked.Add(ref stored, stored1.RawSize), null));
                return stored1;
            }
            finally
            {
                Interlocked.Add(ref waiting, -size);
                slots.Release();
            }
        }

        var completion = source.CompleteAsync(linked.Token);
        try
        {
            while (!completion.IsCompleted)
            {
                foreach (var (name, size) in watcher.FindFinished(taken))
                {
                    Start(name, size);
                }

                // Bounded staging: finished files waiting for the storage above the limit pause pg_dump's workers.
                watcher.SetPaused(Interlocked.Read(ref waiting) > limit);
                if (uploads.FirstOrDefault(u => u.IsFaulted) is { } failed)
                {
                    await failed.ConfigureAwait(false);
                }

                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(100), linked.Token)).ConfigureAwait(false);
                linked.Token.ThrowIfCancellationRequested();
            }

            await completion.ConfigureAwait(false);

            // pg_dump succeeded: everything left (toc.dat last written, files not reported finished) is complete.
            foreach (var file in new DirectoryInfo(dumpDirectory).EnumerateFiles().Where(f => !taken.Contains(f.Name)).OrderBy(f => f.Name == DumpDirectoryWatcher.TableOfContents))
            {
                Start(file.Name, file.Length);
            }

            if (new DirectoryInfo(dumpDirectory).EnumerateDirectories().FirstOrDefault() is { } nested)
            {
                throw new BackupFailedException($"pg_dump wrote a folder ({nested.Name}) into its dump directory, which a parallel backup does not store.") { BackupId = id, Operation = "backup" };
            }

            return [.. await Task.WhenAll(uploads).ConfigureAwait(false)];
        }
        catch
        {
            watcher.SetPaused(false);
            await linked.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(uploads.Cast<Task>().Append(completion)).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);

            // A failed upload is the cause when pg_dump only died of the cancellation that followed it.
            if (!cancellationToken.IsCancellationRequested && uploads.FirstOrDefault(u => u.IsFaulted) is { } upload && completion.IsCanceled)
            {
                await upload.ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task<BackupObject> StoreFileAsync(string id, ArchiveCodec codec, string path, string name, long size, CancellationToken cancellationToken)
    {
        var key = StorageLayout.BackupDirectoryObject(id, name, codec.Suffix);
        var (written, raw) = await EncodedUpload.WriteAsync(
            storage,
            key,
            ArchiveContexts.BackupObject(id, name),
            codec,
            StorageWriteOptions.CreateOnly with { ExpectedLength = size },
            async (writer, ct) =>
            {
                var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    var buffer = new byte[CopyBufferSize];
                    int read;
                    while ((read = await file.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        await writer.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        File.Delete(path);
        return new BackupObject { Name = name, Key = key, RawSize = raw, StoredSize = written.Size, Sha256 = written.Sha256 };
    }
}
