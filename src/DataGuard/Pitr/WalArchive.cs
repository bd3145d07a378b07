using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Configuration;
using DataGuard.IO;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Pitr;

/// <summary>
/// The WAL archive under <c>wal/&lt;timeline&gt;/&lt;file&gt;.zst[.enc]</c>: what <c>archive_command</c> pushes and
/// <c>restore_command</c> fetches. Pushes are write-once and idempotent; fetches verify (zstd's content checksum, and
/// each encrypted chunk's tag and the file name it is bound to) before the file reaches PostgreSQL. With encryption
/// configured, an unencrypted object under a WAL file's name is refused, never preferred.
/// </summary>
internal sealed class WalArchive
{
    private static readonly string[] Suffixes = [".zst", ".zst.enc", ".enc", string.Empty];
    private static readonly string[] EncryptedFirst = [".zst.enc", ".enc", ".zst", string.Empty];
    private readonly IBackupStorage _storage;
    private readonly BackupOptions _options;
    private readonly int _level;
    private readonly bool _allocateZeros;
    private readonly EncryptionKeyRing _keys;
    private readonly ILogger<WalArchive> _logger;
    private readonly DataGuardMetrics _metrics;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="WalArchive"/> class.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="options">The options (compression and encryption are those of backups).</param>
    /// <param name="pitr">The PITR options: the zstd level of pushed WAL files, whether fetched ones have their zeros allocated.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">The metrics (push and fetch durations and outcomes).</param>
    /// <param name="time">The clock (durations).</param>
    public WalArchive(IBackupStorage storage, IOptions<BackupOptions> options, IOptions<PitrOptions> pitr, ILogger<WalArchive> logger, DataGuardMetrics metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pitr);
        _storage = storage;
        _options = options.Value;
        _level = pitr.Value.WalCompressionLevel;
        _allocateZeros = pitr.Value.WalFetchAllocatesZeros;
        _keys = EncryptionKeyRingFactory.Create(_options.Encryption);
        _logger = logger;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Archives one WAL file. Succeeds only once the object is durable; pushing the same content again succeeds.</summary>
    /// <param name="path">The file (archive_command's <c>%p</c>).</param>
    /// <param name="cancellationToken">Cancels the push; nothing is left.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="WalArchiveConflictException">A different file is archived under that name.</exception>
    public Task<WalPushResult> PushAsync(string path, CancellationToken cancellationToken = default) =>
        PushAsync(path, compressionThreads: null, cancellationToken);

    /// <summary>Archives one WAL file, compressing with <paramref name="compressionThreads"/> threads (the resident archiver pushes several files at once, one thread each).</summary>
    /// <param name="path">The file.</param>
    /// <param name="compressionThreads">zstd threads for this file, or <see langword="null"/> for <c>Backup:Compression:Threads</c> (the level is <c>Pitr:WalCompressionLevel</c>).</param>
    /// <param name="cancellationToken">Cancels the push; nothing is left.</param>
    /// <returns>What was done.</returns>
    internal async Task<WalPushResult> PushAsync(string path, int? compressionThreads, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var started = _time.GetTimestamp();
        using var activity = DataGuardActivitySource.Start("dataguard.wal.push");
        activity?.SetTag("dataguard.wal.file", Path.GetFileName(path));
        try
        {
            var result = await PushCoreAsync(path, compressionThreads, cancellationToken).ConfigureAwait(false);
            var outcome = result.Outcome == WalPushOutcome.Archived ? "archived" : "already_archived";
            activity?.SetTag("dataguard.wal.outcome", outcome);
            activity?.SetTag("dataguard.wal.raw_size", result.RawSize);
            activity?.SetTag("dataguard.wal.stored_size", result.StoredSize);
            _metrics.WalPushed(outcome, _time.GetElapsedTime(started).TotalSeconds, result.StoredSize);
            return result;
        }
        catch (Exception ex)
        {
            activity?.SetTag("dataguard.wal.outcome", "failed");
            activity.Fail(ex);
            _metrics.WalPushed("failed", _time.GetElapsedTime(started).TotalSeconds, 0);
            throw;
        }
    }

    private async Task<WalPushResult> PushCoreAsync(string path, int? compressionThreads, CancellationToken cancellationToken)
    {
        var name = WalFileName.Validate(Path.GetFileName(path));
        if (await FindAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return await CompareWithArchivedAsync(path, name, existing, cancellationToken).ConfigureAwait(false);
        }

        var compression = new CompressionOptions
        {
            Algorithm = _options.Compression.Algorithm,
            Level = _level,
            Threads = compressionThreads ?? _options.Compression.Threads,
            UseNativeLibrary = _options.Compression.UseNativeLibrary,
        };
        var codec = new ArchiveCodec(compression, _keys);
        var key = KeyOf(name, codec.Suffix);
        try
        {
            var (written, raw) = await EncodedUpload.WriteAsync(_storage, key, ArchiveContexts.Wal(name), codec, StorageWriteOptions.CreateOnly, (writer, ct) => CopyFileAsync(path, writer, ct), cancellationToken).ConfigureAwait(false);
            PitrLog.Pushed(_logger, name, raw, written.Size);
            return new WalPushResult(name, key, WalPushOutcome.Archived, raw, written.Size);
        }
        catch (StorageObjectAlreadyExistsException)
        {
            // Another push of the same name won the race: same content is fine, different content is not.
            var archived = await FindAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new WalArchiveConflictException($"WAL file {name} appeared and vanished during the push.");
            return await CompareWithArchivedAsync(path, name, archived, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Restores one WAL file from the archive to <paramref name="destination"/> (restore_command's <c>%p</c>), verified, written atomically.</summary>
    /// <param name="name">The file's name (restore_command's <c>%f</c>).</param>
    /// <param name="destination">Where PostgreSQL wants it.</param>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    /// <returns>A task.</returns>
    /// <exception cref="WalSegmentNotFoundException">
    /// The file is definitely not archived (recovery ends there): the listing succeeded without it, each possible key
    /// answered "no such object", and the archive does hold other WAL files.
    /// </exception>
    /// <exception cref="ArchiveIntegrityException">
    /// The archived file is corrupt, bound to another WAL file, its key is wrong or missing, or it is not encrypted
    /// although encryption is configured (<see cref="ArchiveProblem.Unencrypted"/>: "refusing unencrypted object").
    /// </exception>
    /// <exception cref="StorageException">The storage failed, or the archive holds no WAL file at all (not mounted, wrong bucket or prefix).</exception>
    public Task FetchAsync(string name, string destination, CancellationToken cancellationToken = default) =>
        FetchAsync(name, destination, durable: true, cancellationToken);

    /// <summary>
    /// Restores one WAL file, verified and written atomically; <paramref name="durable"/> false skips the fsync before
    /// the rename, for the prefetcher's spool, whose files a power loss could damage and which is therefore keyed by the
    /// kernel's boot id (<see cref="WalPrefetchSpool"/>): nothing written before a crash is ever handed out after it.
    /// </summary>
    /// <param name="name">The file's name.</param>
    /// <param name="destination">Where it goes.</param>
    /// <param name="durable">Whether to fsync the file before renaming it into place.</param>
    /// <param name="cancellationToken">Cancels the fetch; no partial file is left under <paramref name="destination"/>.</param>
    /// <returns>A task.</returns>
    internal async Task FetchAsync(string name, string destination, bool durable, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var activity = DataGuardActivitySource.Start("dataguard.wal.fetch");
        activity?.SetTag("dataguard.wal.file", name);
        try
        {
            await FetchCoreAsync(name, destination, durable, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.wal.outcome", "fetched");
            _metrics.WalFetched("fetched", _time.GetElapsedTime(started).TotalSeconds);
        }
        catch (WalSegmentNotFoundException)
        {
            // Not an error: recovery asks for the next file until the archive has no more (its normal end).
            activity?.SetTag("dataguard.wal.outcome", "not_found");
            _metrics.WalFetched("not_found", _time.GetElapsedTime(started).TotalSeconds);
            throw;
        }
        catch (Exception ex)
        {
            activity?.SetTag("dataguard.wal.outcome", "failed");
            activity.Fail(ex);
            _metrics.WalFetched("failed", _time.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }

    private async Task FetchCoreAsync(string name, string destination, bool durable, CancellationToken cancellationToken)
    {
        WalFileName.Validate(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var object_ = await FindAsync(name, cancellationToken).ConfigureAwait(false)
            ?? await FindOrConfirmMissingAsync(name, cancellationToken).ConfigureAwait(false);
        var directory = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        var temp = Path.Combine(directory, $".{name}.dataguard-{Guid.NewGuid():N}");
        try
        {
            var decoded = await OpenDecodedAsync(name, object_, cancellationToken).ConfigureAwait(false);
            await using (decoded.ConfigureAwait(false))
            {
                using var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);

                // A segment closed early is mostly zeros: those are allocated, not written (ZeroSkippingFileCopy).
                await ZeroSkippingFileCopy.CopyAsync(decoded, file, _allocateZeros, cancellationToken).ConfigureAwait(false);
                if (durable)
                {
                    RandomAccess.FlushToDisk(file);
                }
            }

            File.Move(temp, destination, overwrite: true);
            PitrLog.Fetched(_logger, name);
        }
        catch (ArchiveIntegrityException ex)
        {
            throw new ArchiveIntegrityException(ex.Problem, $"WAL file {name} ({object_.Key}) failed verification: {ex.Message}", ex) { Operation = "wal.fetch" };
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Lists the archived WAL files, in name order per timeline.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The archived files.</returns>
    public async IAsyncEnumerable<ArchivedWalFile> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _storage.ListAsync(StorageLayout.Wal, cancellationToken).ConfigureAwait(false))
        {
            var file = Path.GetFileName(item.Key);
            var name = Suffixes.Where(s => s.Length > 0 && file.EndsWith(s, StringComparison.Ordinal)).Select(s => file[..^s.Length]).FirstOrDefault() ?? file;
            if (WalFileName.IsValid(name))
            {
                yield return new ArchivedWalFile(name, item.Key, item.Size, item.LastModified);
            }
        }
    }

    /// <summary>Whether a WAL file is archived (under any of its suffixes), from one listing.</summary>
    /// <param name="name">The file's name, such as <c>00000002.history</c>.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>Whether it is there.</returns>
    public async Task<bool> ContainsAsync(string name, CancellationToken cancellationToken = default) =>
        await FindAsync(WalFileName.Validate(name), cancellationToken).ConfigureAwait(false) is not null;

    private static string KeyOf(string name, string suffix) => StorageLayout.WalFile(WalFileName.TimelineOf(name), name, suffix);

    private static async Task CopyFileAsync(string path, ArchiveWriter writer, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<StorageObjectInfo?> FindAsync(string name, CancellationToken cancellationToken)
    {
        // One listing of the name's prefix rather than a lookup per possible suffix: one round trip per push or fetch.
        var keys = (_keys.CurrentKeyId is null ? Suffixes : EncryptedFirst).Select(suffix => KeyOf(name, suffix)).ToList();
        var found = new List<StorageObjectInfo>();
        await foreach (var item in _storage.ListAsync(KeyOf(name, string.Empty), cancellationToken).ConfigureAwait(false))
        {
            if (keys.Contains(item.Key))
            {
                found.Add(item);
            }
        }

        // With encryption configured, a plaintext object under the name is refused even next to the encrypted one: it
        // was planted (or is left from before encryption, which AllowUnencryptedRead accepts while migrating).
        if (_keys.RefusesUnencrypted && found.FirstOrDefault(f => !IsEncrypted(f.Key)) is { } plain)
        {
            throw ArchiveCodec.UnencryptedRefused($"WAL file {name}", plain.Key, "wal.read");
        }

        return found.MinBy(f => keys.IndexOf(f.Key));
    }

    /// <summary>
    /// The listing did not show <paramref name="name"/>. "Not archived" ends recovery, so it must be definite: look each
    /// possible key up directly (a listing may lag behind writes on some S3-compatible stores; only "no such object"
    /// counts, any other answer throws), and treat an archive without a single WAL file as a storage fault (an
    /// unmounted disk, a wrong bucket or prefix), never as the end of the archive.
    /// </summary>
    private async Task<StorageObjectInfo> FindOrConfirmMissingAsync(string name, CancellationToken cancellationToken)
    {
        foreach (var suffix in _keys.CurrentKeyId is null ? Suffixes : EncryptedFirst)
        {
            if (await _storage.GetInfoAsync(KeyOf(name, suffix), cancellationToken).ConfigureAwait(false) is { } found)
            {
                if (_keys.RefusesUnencrypted && !IsEncrypted(found.Key))
                {
                    throw ArchiveCodec.UnencryptedRefused($"WAL file {name}", found.Key, "wal.read");
                }

                return found;
            }
        }

        await foreach (var _ in _storage.ListAsync(StorageLayout.Wal, cancellationToken).ConfigureAwait(false))
        {
            throw new WalSegmentNotFoundException($"WAL file {name} is not in the archive at {_storage.Location}.") { Operation = "wal.fetch" };
        }

        throw new StorageException($"The WAL archive at {_storage.Location} holds no WAL file at all, so {name} cannot be reported as missing: is the storage mounted, are the bucket and prefix right?")
        {
            Operation = "wal.fetch",
            Location = _storage.Location,
            Key = KeyOf(name, string.Empty),
        };
    }

    private static bool IsEncrypted(string key) => key.EndsWith(".enc", StringComparison.Ordinal);

    private async Task<Stream> OpenDecodedAsync(string name, StorageObjectInfo archived, CancellationToken cancellationToken)
    {
        Stream stored = await _storage.OpenReadAsync(archived.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (archived.Size > 0)
        {
            stored = new LengthCheckedStream(stored, archived.Size, $"WAL file {name} ({archived.Key})");
        }

        var compressed = archived.Key.EndsWith(".zst", StringComparison.Ordinal) || archived.Key.EndsWith(".zst.enc", StringComparison.Ordinal);
        return ArchiveCodec.OpenReader(stored, compressed, IsEncrypted(archived.Key), _keys, ArchiveContexts.Wal(name));
    }

    private async Task<WalPushResult> CompareWithArchivedAsync(string path, string name, StorageObjectInfo archived, CancellationToken cancellationToken)
    {
        byte[] local;
        var file = File.OpenRead(path);
        await using (file.ConfigureAwait(false))
        {
            local = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        }

        byte[] remote;
        try
        {
            var decoded = await OpenDecodedAsync(name, archived, cancellationToken).ConfigureAwait(false);
            await using (decoded.ConfigureAwait(false))
            {
                remote = await SHA256.HashDataAsync(decoded, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArchiveIntegrityException ex)
        {
            throw new WalArchiveConflictException($"WAL file {name} is already archived ({archived.Key}) but the archived copy cannot be read ({ex.Message}); refusing to overwrite it. Inspect it, and remove it by hand if it is damaged.", ex) { Operation = "wal.push" };
        }

        if (!local.AsSpan().SequenceEqual(remote))
        {
            throw new WalArchiveConflictException($"WAL file {name} is already archived ({archived.Key}) with different content; refusing to overwrite it. Two clusters may be archiving into the same place: check DataGuard:Storage and the system identifier.") { Operation = "wal.push" };
        }

        PitrLog.AlreadyArchived(_logger, name);
        return new WalPushResult(name, archived.Key, WalPushOutcome.AlreadyArchived, new FileInfo(path).Length, archived.Size);
    }
}
