using DataGuard.Pitr;
using DataGuard.Backup.Encryption;
using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Backup;

/// <summary>
/// Backups as library calls for host applications and the CLI: run, list, show, verify, restore and prune.
/// Ids may be given as <c>latest</c>.
/// </summary>
public sealed class BackupService
{
    /// <summary>The id alias for the newest backup.</summary>
    public const string Latest = "latest";

    private volatile CatalogReading? _cachedCatalog;
    private readonly IEnumerable<IBackupProvider> _providers;
    private readonly IBackupStorage _storage;
    private readonly BackupOptions _options;
    private readonly PitrOptions _pitr;
    private readonly Pitr.WalArchive _wal;
    private readonly EncryptionKeyRing _keys;
    private readonly DataGuardMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackupCatalogReader _catalog;

    /// <summary>Initializes a new instance of the <see cref="BackupService"/> class.</summary>
    /// <param name="providers">The registered backup providers.</param>
    /// <param name="storage">The storage.</param>
    /// <param name="options">The backup options.</param>
    /// <param name="pitr">The point-in-time recovery options (the window).</param>
    /// <param name="wal">The WAL archive, for window retention.</param>
    /// <param name="metrics">The metrics.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    internal BackupService(IEnumerable<IBackupProvider> providers, IBackupStorage storage, IOptions<BackupOptions> options, IOptions<PitrOptions> pitr, Pitr.WalArchive wal, DataGuardMetrics metrics, TimeProvider time, ILogger<BackupService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pitr);
        _providers = providers;
        _storage = storage;
        _options = options.Value;
        _pitr = pitr.Value;
        _wal = wal;
        _keys = EncryptionKeyRingFactory.Create(_options.Encryption);
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _catalog = new BackupCatalogReader(storage, _keys);
    }

    /// <summary>Makes a logical backup now, verifies it (unless turned off) and stores its manifest.</summary>
    /// <param name="scheduledFor">The schedule slot, when the scheduler runs it.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels the backup; nothing is left in the catalog.</param>
    /// <returns>The manifest.</returns>
    public Task<BackupManifest> RunAsync(DateTimeOffset? scheduledFor = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync("logical", scheduledFor, progress, cancellationToken);

    /// <summary>Makes a backup of a kind (<c>logical</c>, or <c>physical</c> for a base backup) now, verifies it and stores its manifest.</summary>
    /// <param name="kind">The kind of backup.</param>
    /// <param name="scheduledFor">The schedule slot, when the scheduler runs it.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels the backup; nothing is left in the catalog.</param>
    /// <returns>The manifest.</returns>
    public async Task<BackupManifest> RunAsync(string kind, DateTimeOffset? scheduledFor = null, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var provider = Provider(kind);
        var runner = new BackupRunner(provider, _storage, _options, _keys, Verifier(provider), _metrics, _time, _logger);
        try
        {
            return await runner.RunAsync(scheduledFor, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _cachedCatalog = null;
        }
    }

    /// <summary>Reads the catalog: backups newest first, and orphaned data.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The catalog.</returns>
    public Task<BackupCatalog> GetCatalogAsync(CancellationToken cancellationToken = default) => _catalog.ReadAsync(cancellationToken);

    /// <summary>Reads the catalog, or reuses one read less than <paramref name="maxAge"/> ago (and since this process's last backup or prune).</summary>
    /// <param name="maxAge">How old a reused catalog may be.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The catalog.</returns>
    public async Task<BackupCatalog> GetCatalogAsync(TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        var cached = _cachedCatalog;
        if (cached is not null && _time.GetUtcNow() - cached.ReadAt < maxAge)
        {
            return cached.Catalog;
        }

        var readAt = _time.GetUtcNow();
        var catalog = await _catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
        _cachedCatalog = new CatalogReading(catalog, readAt);
        return catalog;
    }

    /// <summary>Finds a backup by id, or the newest with <c>latest</c>.</summary>
    /// <param name="idOrLatest">The id, or <c>latest</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="BackupNotFoundException">No such backup.</exception>
    /// <exception cref="UnreadableManifestException">Its manifest exists but cannot be read or trusted.</exception>
    public async Task<BackupManifest> GetAsync(string idOrLatest, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrLatest);
        if (string.Equals(idOrLatest, Latest, StringComparison.OrdinalIgnoreCase))
        {
            var catalog = await _catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (catalog.Backups.Count > 0 ? catalog.Backups[0] : null) ?? throw new BackupNotFoundException($"There is no backup in {_storage.Location}.") { Operation = "backup.find" };
        }

        if (idOrLatest.Contains('/', StringComparison.Ordinal))
        {
            throw new BackupNotFoundException($"'{idOrLatest}' is not a backup id.") { Operation = "backup.find" };
        }

        StorageKeys.Validate(StorageLayout.BackupManifest(idOrLatest));
        return await _catalog.FindAsync(idOrLatest, cancellationToken).ConfigureAwait(false)
            ?? throw new BackupNotFoundException($"Backup '{idOrLatest}' has no manifest in {_storage.Location} (see 'dataguard backup list').") { BackupId = idOrLatest, Operation = "backup.find" };
    }

    /// <summary>Verifies a stored backup and records the outcome in its manifest.</summary>
    /// <param name="idOrLatest">The id, or <c>latest</c>.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The manifest with the new verification.</returns>
    /// <exception cref="DataGuardException">The archive could not be read back (storage unreachable, a connection reset): nothing is recorded, the manifest keeps its last verification.</exception>
    public async Task<BackupManifest> VerifyAsync(string idOrLatest, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var manifest = await GetAsync(idOrLatest, cancellationToken).ConfigureAwait(false);
        var verification = await Verifier(Provider(manifest.Kind)).VerifyStoredAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
        manifest = manifest with { Verification = verification };
        using var json = new MemoryStream(ManifestCodec.Write(manifest, _keys));
        await _storage.WriteAsync(StorageLayout.BackupManifest(manifest.Id), json, new StorageWriteOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Restores a backup (<c>latest</c>: the newest verified one).</summary>
    /// <param name="idOrLatest">The id, or <c>latest</c>.</param>
    /// <param name="request">Where and how.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels the restore.</param>
    /// <returns>The outcome, with row counts compared to the manifest.</returns>
    public async Task<RestoreResult> RestoreAsync(string idOrLatest, RestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        BackupManifest manifest;
        if (string.Equals(idOrLatest, Latest, StringComparison.OrdinalIgnoreCase))
        {
            var catalog = await _catalog.ReadAsync(cancellationToken).ConfigureAwait(false);
            manifest = catalog.Backups.FirstOrDefault(b => b.Status == BackupStatus.Verified && b.Kind == "logical")
                ?? throw new BackupNotFoundException($"There is no verified logical backup in {_storage.Location}.") { Operation = "restore" };
        }
        else
        {
            manifest = await GetAsync(idOrLatest, cancellationToken).ConfigureAwait(false);
        }

        var provider = Provider(manifest.Kind);
        return await new BackupRestorer(provider, Verifier(provider), _keys, _metrics, _time) { Parallelism = _options.Parallelism, StagingDirectory = _options.StagingDirectory }.RestoreAsync(manifest, request, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a backup's raw archive (decrypted, decompressed) after reading the stored object once to check its size and
    /// SHA-256 against the manifest, so nothing is written anywhere from a corrupt archive. The stored bytes read
    /// through the returned stream are hashed again, and its last bytes are held back until they match the manifest
    /// too: a reader cannot finish from an archive that changed after the check.
    /// </summary>
    /// <param name="manifest">The backup.</param>
    /// <param name="progress">Receives the checksum read's progress.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The raw archive; the caller disposes it.</returns>
    /// <exception cref="ArchiveIntegrityException">The stored archive does not match its manifest (when reading the returned stream: it changed since the check).</exception>
    public async Task<Stream> OpenVerifiedArchiveAsync(BackupManifest manifest, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var verifier = Verifier(Provider(manifest.Kind));
        await verifier.CheckChecksumAsync(manifest, progress, cancellationToken).ConfigureAwait(false);
        return await verifier.OpenCheckedAsync(manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies backup retention: deletes expired backups and old orphaned data.</summary>
    /// <param name="dryRun">List what would go, delete nothing.</param>
    /// <param name="cancellationToken">Cancels the remaining work.</param>
    /// <returns>What was (or would be) kept and deleted.</returns>
    public async Task<PruneResult> PruneAsync(bool dryRun, CancellationToken cancellationToken = default)
    {
        try
        {
            return await new BackupPruner(_storage, _catalog, _options.Retention, _pitr, _wal, _metrics, _time, _logger).PruneAsync(dryRun, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _cachedCatalog = null;
        }
    }

    /// <summary>
    /// Deletes a backup folder that cannot be used, on an operator's decision: one whose manifest cannot be read or
    /// trusted (quarantined), or orphaned data. Without <paramref name="confirm"/> it only says what it would delete.
    /// A readable backup is refused: retention decides when it goes.
    /// </summary>
    /// <param name="id">The backup id, exactly (no <c>latest</c>).</param>
    /// <param name="confirm">Delete; otherwise only report.</param>
    /// <param name="cancellationToken">Cancels the remaining work.</param>
    /// <returns>What the folder holds, and whether it was deleted.</returns>
    /// <exception cref="BackupNotFoundException">Nothing is stored under that id.</exception>
    /// <exception cref="DataGuardException">The backup is readable and trusted.</exception>
    internal async Task<ForgetResult> ForgetAsync(string id, bool confirm, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (id.Contains('/', StringComparison.Ordinal) || string.Equals(id, Latest, StringComparison.OrdinalIgnoreCase))
        {
            throw new BackupNotFoundException($"'{id}' is not a backup id: forget takes one exact id (see 'dataguard backup list').") { Operation = "backup.forget" };
        }

        StorageKeys.Validate(StorageLayout.BackupManifest(id));
        var objects = new List<StorageObjectInfo>();
        await foreach (var item in _storage.ListAsync(StorageLayout.BackupFolder(id), cancellationToken).ConfigureAwait(false))
        {
            objects.Add(item);
        }

        if (objects.Count == 0)
        {
            throw new BackupNotFoundException($"Nothing is stored under backup id '{id}' in {_storage.Location}.") { BackupId = id, Operation = "backup.forget" };
        }

        var keys = objects.Select(o => o.Key).ToList();
        var (state, reason) = keys.Contains(StorageLayout.BackupManifest(id))
            ? await _catalog.ReadManifestAsync(id, cancellationToken).ConfigureAwait(false) switch
            {
                { Manifest: not null } => throw new DataGuardException($"Backup {id} has a readable, trusted manifest: retention decides when it goes ('dataguard backup prune'). Forget deletes only backups whose manifest cannot be used, and orphaned data.") { BackupId = id, Operation = "backup.forget" },
                { Problem: { } problem } => ("unreadable", $"its manifest cannot be used: {problem}"),
                _ => ("orphan", "data without a manifest"),
            }
            : keys.Contains(StorageLayout.BackupQuarantine(id))
                ? ("unreadable", "its manifest is gone, but prune had quarantined the folder")
                : ("orphan", "data without a manifest (a failed or interrupted backup, or one in progress)");
        var age = _time.GetUtcNow() - objects.Max(o => o.LastModified);
        if (state == "orphan" && age < _options.Retention.OrphanGracePeriod)
        {
            reason += $"; its newest object was written {age.TotalMinutes:F0} min ago, within the orphan grace period: perhaps a backup in progress";
        }

        var result = new ForgetResult(id, state, reason, keys, objects.Sum(o => o.Size), Deleted: false);
        if (!confirm)
        {
            return result;
        }

        try
        {
            // Data first, the manifest and the quarantine marker last: an interrupted forget leaves a folder that is
            // still quarantined (or an orphan), never one that looks like a backup.
            var last = new[] { StorageLayout.BackupManifest(id), StorageLayout.BackupQuarantine(id) };
            await _storage.DeleteManyAsync(keys.Except(last), cancellationToken).ConfigureAwait(false);
            foreach (var key in last.Where(keys.Contains))
            {
                await _storage.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _cachedCatalog = null;
        }

        BackupLog.Forgotten(_logger, id, keys.Count, $"{state}: {reason}");
        return result with { Deleted = true };
    }

    private BackupVerifier Verifier(IBackupProvider provider) => new(provider, _storage, _keys, _metrics, _time, _logger) { StagingDirectory = _options.StagingDirectory };

    private IBackupProvider Provider(string kind) =>
        _providers.FirstOrDefault(p => string.Equals(p.Kind, kind, StringComparison.OrdinalIgnoreCase))
        ?? throw new DataGuardException($"No {kind} backup provider is registered: call AddPostgres() on the DataGuard builder.") { Operation = "backup" };

    private sealed record CatalogReading(BackupCatalog Catalog, DateTimeOffset ReadAt);
}
