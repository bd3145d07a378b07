using System.Runtime.ExceptionServices;
using DataGuard.Backup.ParallelDump;
using DataGuard.IO;

namespace DataGuard.Backup;

/// <summary>Restores of parallel backups: a folder with <c>toc.dat</c> and one named pipe per data file, fed from storage on demand.</summary>
internal sealed partial class BackupRestorer
{
    /// <summary>Gets how many tables a restore of a parallel backup loads at once (DataGuard:Backup:Parallelism).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Gets where the restore's folder of named pipes is made (DataGuard:Backup:StagingDirectory).</summary>
    public string? StagingDirectory { get; init; }

    /// <summary>Reads <c>toc.dat</c> through the decoders and checks it, before the target is prepared: a wrong key fails here.</summary>
    private async Task CheckObjectsOpenAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        if (!NativeFifo.IsSupported)
        {
            throw new DataGuardException($"Backup {manifest.Id} is a parallel backup, whose restore feeds pg_restore through named pipes: that needs Linux. The target was not touched.") { BackupId = manifest.Id, Operation = "restore" };
        }

        try
        {
            var raw = await verifier.OpenCheckedObjectAsync(manifest, BackupObjects.TableOfContents(manifest), cancellationToken).ConfigureAwait(false);
            await using (raw.ConfigureAwait(false))
            {
                await raw.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArchiveIntegrityException ex)
        {
            throw new ArchiveIntegrityException(ex.Problem, $"{Prefix(manifest, ex)}{ex.Message} The target was not touched.", ex) { BackupId = manifest.Id, Operation = "restore" };
        }
    }

    /// <summary>
    /// Restores a parallel backup into a prepared target: with several jobs only into a database this restore created
    /// (pg_restore -j commits table by table; a failure drops that database), otherwise in one transaction.
    /// </summary>
    private async Task RestoreObjectsAsync(BackupManifest manifest, RestoreRequest request, RestorePreparation preparation, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var directory = provider as IDirectoryBackupProvider
            ?? throw new DataGuardException($"Backup {manifest.Id} is a parallel backup, which the {provider.Name} provider cannot restore.") { BackupId = manifest.Id, Operation = "restore" };
        var folder = StagingFolder.Create(StagingDirectory, $"restore-{manifest.Id}");
        try
        {
            var toc = BackupObjects.TableOfContents(manifest);
            await verifier.WriteObjectAsync(manifest, toc, Path.Combine(folder, toc.Name), cancellationToken).ConfigureAwait(false);
            var data = manifest.Objects!.Where(o => o != toc).ToList();
            foreach (var item in data)
            {
                NativeFifo.Create(Path.Combine(folder, item.Name));
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var feeder = new ObjectPipeFeeder(folder, data, (item, ct) => verifier.OpenCheckedObjectAsync(manifest, item, ct), linked.Cancel);
            var feeding = feeder.RunAsync(linked.Token);
            var jobs = preparation.Created ? Math.Max(1, Parallelism) : 1;
            progress?.Report(new BackupProgress("restore", 0, manifest.RawSize));
            try
            {
                var restoring = directory.RestoreDirectoryAsync(folder, jobs, request, linked.Token);

                // A feeder that fails outright (a pipe it cannot open) has stopped pg_restore, which would otherwise
                // wait forever in fopen() on a pipe nobody feeds: its failure is the restore's.
                if (await Task.WhenAny(restoring, feeding).ConfigureAwait(false) == feeding && !feeding.IsCompletedSuccessfully)
                {
                    feeder.Complete();
                    await linked.CancelAsync().ConfigureAwait(false);
                    await ObserveAsync(restoring).ConfigureAwait(false);
                    ExceptionDispatchInfo.Throw(feeder.Failure ?? feeding.Exception?.GetBaseException() ?? new OperationCanceledException(cancellationToken));
                }

                await restoring.ConfigureAwait(false);
            }
            catch (Exception) when (feeder.Failure is { } failure)
            {
                // The object that failed its check (or could not be read) is the cause; pg_restore was stopped for it.
                feeder.Complete();
                await ObserveAsync(feeding).ConfigureAwait(false);
                ExceptionDispatchInfo.Throw(failure);
            }
            catch
            {
                feeder.Complete();
                await linked.CancelAsync().ConfigureAwait(false);
                await ObserveAsync(feeding).ConfigureAwait(false);
                throw;
            }

            feeder.Complete();
            await feeding.ConfigureAwait(false);
            progress?.Report(new BackupProgress("restore", manifest.RawSize, manifest.RawSize));
        }
        finally
        {
            StagingFolder.Delete(folder);
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Reported through the restore's own failure.
        }
    }
}
