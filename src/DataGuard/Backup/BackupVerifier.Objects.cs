using System.Buffers;
using DataGuard.Backup.Encryption;
using DataGuard.Backup.ParallelDump;
using DataGuard.IO;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>The checks of parallel backups, whose manifest lists one object per file of the dump directory.</summary>
internal sealed partial class BackupVerifier
{
    /// <summary>How many objects are read at once when checking or verifying.</summary>
    private static readonly int ObjectReaders = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>Gets where verifying a parallel backup writes its decoded table of contents (DataGuard:Backup:StagingDirectory; default: the temporary folder).</summary>
    public string? StagingDirectory { get; init; }

    /// <summary>Opens one object of a parallel backup, decoded, hashing the stored bytes and holding back its end until they match the manifest.</summary>
    /// <param name="manifest">The backup.</param>
    /// <param name="item">The object.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The raw file's bytes.</returns>
    internal async Task<Stream> OpenCheckedObjectAsync(BackupManifest manifest, BackupObject item, CancellationToken cancellationToken)
    {
        var stored = await OpenObjectAsync(manifest, item, cancellationToken).ConfigureAwait(false);
        try
        {
            var hashing = new HashingReadStream(stored);
            var decoded = ArchiveCodec.OpenReader(hashing, manifest.Compression.Algorithm == "zstd", manifest.Encryption is not null, keys, ArchiveContexts.BackupObject(manifest.Id, item.Name));
            return new VerifiedEndReadStream(decoded, ct => CompareRestOfObjectAsync(manifest, item, hashing, ct), underlying: stored);
        }
        catch
        {
            await stored.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Decodes one object to a new private file, checked against the manifest before its end is written.</summary>
    internal async Task WriteObjectAsync(BackupManifest manifest, BackupObject item, string path, CancellationToken cancellationToken)
    {
        var raw = await OpenCheckedObjectAsync(manifest, item, cancellationToken).ConfigureAwait(false);
        await using (raw.ConfigureAwait(false))
        {
            var file = PrivateFiles.CreateNew(path, bufferSize: 0);
            await using (file.ConfigureAwait(false))
            {
                await raw.CopyToAsync(file, 1024 * 1024, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads every object of a parallel backup and checks its size and SHA-256 (a missing object fails, naming it).</summary>
    private async Task CheckObjectsAsync(BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        long done = 0;
        await Parallel.ForEachAsync(manifest.Objects!, new ParallelOptions { MaxDegreeOfParallelism = ObjectReaders, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            var stored = await OpenObjectAsync(manifest, item, ct).ConfigureAwait(false);
            await using (stored.ConfigureAwait(false))
            {
                using var hashing = new HashingReadStream(stored);
                await DrainAsync(hashing, "checksum", null, null, ct).ConfigureAwait(false);
                CompareObject(manifest, item, hashing);
            }

            progress?.Report(new BackupProgress("checksum", Interlocked.Add(ref done, item.StoredSize), manifest.StoredSize));
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Verifies a parallel backup: every object read back, checked against the manifest, decrypted and decompressed to
    /// its recorded size; then <c>toc.dat</c> read by the provider's tool, and every data file it names listed.
    /// </summary>
    private async Task<int> ReadThroughObjectsAsync(BackupManifest manifest, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        var directory = provider as IDirectoryBackupProvider
            ?? throw new DataGuardException($"Backup {manifest.Id} is a parallel backup, which the {provider.Name} provider cannot read.") { BackupId = manifest.Id, Operation = "backup.verify" };
        var folder = StagingFolder.Create(StagingDirectory, $"verify-{manifest.Id}");
        try
        {
            long done = 0;
            await Parallel.ForEachAsync(manifest.Objects!, new ParallelOptions { MaxDegreeOfParallelism = ObjectReaders, CancellationToken = cancellationToken }, async (item, ct) =>
            {
                await ReadThroughObjectAsync(manifest, item, item.Name == DumpDirectoryWatcher.TableOfContents ? Path.Combine(folder, item.Name) : null, ct).ConfigureAwait(false);
                progress?.Report(new BackupProgress("verify", Interlocked.Add(ref done, item.RawSize), manifest.RawSize));
            }).ConfigureAwait(false);

            DirectoryContents contents;
            try
            {
                contents = await directory.InspectDirectoryAsync(folder, cancellationToken).ConfigureAwait(false);
            }
            catch (BackupFailedException ex)
            {
                throw new ArchiveIntegrityException(ArchiveProblem.Malformed, $"Backup {manifest.Id}: its table of contents cannot be read: {ex.Message}", ex) { BackupId = manifest.Id };
            }

            var listed = manifest.Objects!.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            var missing = contents.DataFiles.Where(f => !listed.Contains(f)).ToList();
            if (missing.Count > 0)
            {
                throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"Backup {manifest.Id}: its table of contents names data files its manifest does not list: {string.Join(", ", missing.Take(10))}.") { BackupId = manifest.Id };
            }

            return contents.Entries;
        }
        finally
        {
            StagingFolder.Delete(folder);
        }
    }

    private async Task ReadThroughObjectAsync(BackupManifest manifest, BackupObject item, string? saveTo, CancellationToken cancellationToken)
    {
        var stored = await OpenObjectAsync(manifest, item, cancellationToken).ConfigureAwait(false);
        await using (stored.ConfigureAwait(false))
        {
            // The decoders would dispose the hashing stream with themselves: it is disposed here, after the last compare.
            using var hashing = new HashingReadStream(stored);
            var raw = ArchiveCodec.OpenReader(new KeepOpenReadStream(hashing), manifest.Compression.Algorithm == "zstd", manifest.Encryption is not null, keys, ArchiveContexts.BackupObject(manifest.Id, item.Name));
            long rawBytes;
            try
            {
                await using (raw.ConfigureAwait(false))
                {
                    if (saveTo is null)
                    {
                        rawBytes = await CountAsync(raw, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var file = PrivateFiles.CreateNew(saveTo, bufferSize: 0);
                        await using (file.ConfigureAwait(false))
                        {
                            await raw.CopyToAsync(file, 1024 * 1024, cancellationToken).ConfigureAwait(false);
                            rawBytes = file.Length;
                        }
                    }
                }
            }
            catch (ArchiveIntegrityException ex) when (ex.Problem is not (ArchiveProblem.ChecksumMismatch or ArchiveProblem.SizeMismatch))
            {
                // A changed stored byte explains a decryption or decompression failure best: finish hashing and say so.
                await DrainAsync(hashing, "verify", null, null, cancellationToken).ConfigureAwait(false);
                CompareObject(manifest, item, hashing);
                throw new ArchiveIntegrityException(ex.Problem, $"Backup {manifest.Id}: the object {item.Key}: {ex.Message}", ex) { BackupId = manifest.Id };
            }

            await DrainAsync(hashing, "verify", null, null, cancellationToken).ConfigureAwait(false);
            CompareObject(manifest, item, hashing);
            if (rawBytes != item.RawSize)
            {
                throw new ArchiveIntegrityException(ArchiveProblem.SizeMismatch, $"Backup {manifest.Id}: the object {item.Key} decodes to {rawBytes} bytes, the manifest says {item.RawSize}.") { BackupId = manifest.Id };
            }
        }
    }

    private async Task<Stream> OpenObjectAsync(BackupManifest manifest, BackupObject item, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.OpenReadAsync(item.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StorageObjectNotFoundException ex)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"Backup {manifest.Id}: its object {item.Key} ({item.Name}) is missing from {storage.Location}.", ex) { BackupId = manifest.Id };
        }
    }

    private static void CompareObject(BackupManifest manifest, BackupObject item, HashingReadStream hashing)
    {
        if (hashing.BytesRead != item.StoredSize)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.SizeMismatch, $"Backup {manifest.Id}: the stored object {item.Key} has {hashing.BytesRead} bytes, the manifest says {item.StoredSize}.") { BackupId = manifest.Id };
        }

        var sha = hashing.GetSha256Hex();
        if (!string.Equals(sha, item.Sha256, StringComparison.Ordinal))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.ChecksumMismatch, $"Backup {manifest.Id}: the stored object {item.Key}'s SHA-256 is {sha}, the manifest says {item.Sha256}: it was changed or corrupted.") { BackupId = manifest.Id };
        }
    }

    private static async Task CompareRestOfObjectAsync(BackupManifest manifest, BackupObject item, HashingReadStream hashing, CancellationToken cancellationToken)
    {
        await DrainAsync(hashing, "restore", null, null, cancellationToken).ConfigureAwait(false);
        try
        {
            CompareObject(manifest, item, hashing);
        }
        catch (ArchiveIntegrityException ex)
        {
            throw new ArchiveIntegrityException(ex.Problem, $"{ex.Message} The object read for the restore differs from the one whose checksum was checked; its end was held back, so nothing was completed from it.", ex) { BackupId = manifest.Id };
        }
    }

    private static async Task<long> CountAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            long bytes = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                bytes += read;
            }

            return bytes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Exception NotASingleArchive(BackupManifest manifest) =>
        new DataGuardException($"Backup {manifest.Id} is a parallel backup ({manifest.Objects!.Count} objects of a pg_dump directory), not a single archive: restore it with 'dataguard backup restore', or fetch its objects from {StorageLayout.BackupFolder(manifest.Id)}dir/ (docs/formats.md).") { BackupId = manifest.Id, Operation = "backup.read" };
}
