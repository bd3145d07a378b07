using System.Text.Json;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>
/// Reads the catalog of backups from storage: one trusted manifest per backup; data without a manifest as orphans; and
/// folders whose manifest exists but cannot be read or trusted (or that were quarantined for it) as unreadable.
/// </summary>
internal sealed class BackupCatalogReader
{
    private readonly IBackupStorage _storage;
    private readonly EncryptionKeyRing _keys;

    /// <summary>Initializes a new instance of the <see cref="BackupCatalogReader"/> class.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="keys">The keys manifests are authenticated with; with a current key, unauthenticated manifests are not trusted.</param>
    public BackupCatalogReader(IBackupStorage storage, EncryptionKeyRing keys)
    {
        _storage = storage;
        _keys = keys;
    }

    /// <summary>Reads every manifest and finds the orphans and the unreadable manifests.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The catalog, newest first.</returns>
    public async Task<BackupCatalog> ReadAsync(CancellationToken cancellationToken = default)
    {
        var folders = new SortedDictionary<string, List<StorageObjectInfo>>(StringComparer.Ordinal);
        await foreach (var item in _storage.ListAsync(StorageLayout.Backups, cancellationToken).ConfigureAwait(false))
        {
            if (StorageLayout.BackupIdOf(item.Key) is { } id)
            {
                if (!folders.TryGetValue(id, out var list))
                {
                    folders[id] = list = [];
                }

                list.Add(item);
            }
        }

        var backups = new List<BackupManifest>();
        var orphans = new List<OrphanedBackup>();
        var unreadable = new List<UnreadableBackup>();
        foreach (var (id, objects) in folders.Reverse())
        {
            var keys = objects.Select(o => o.Key).ToList();
            var size = objects.Sum(o => o.Size);
            var lastModified = objects.Max(o => o.LastModified);
            var reading = keys.Contains(StorageLayout.BackupManifest(id))
                ? await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false)
                : null;
            if (reading is { Manifest: { } manifest })
            {
                backups.Add(manifest);
            }
            else if (reading is { Problem: { } problem })
            {
                unreadable.Add(new UnreadableBackup(id, keys, size, lastModified, $"its manifest cannot be used: {problem}"));
            }
            else if (keys.Contains(StorageLayout.BackupQuarantine(id)))
            {
                unreadable.Add(new UnreadableBackup(id, keys, size, lastModified, await QuarantineReasonAsync(id, cancellationToken).ConfigureAwait(false)));
            }
            else
            {
                orphans.Add(new OrphanedBackup(id, keys, size, lastModified));
            }
        }

        return new BackupCatalog(backups, orphans, unreadable);
    }

    /// <summary>Reads one backup's manifest.</summary>
    /// <param name="id">The backup id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest, or <see langword="null"/> when the backup has none.</returns>
    /// <exception cref="UnreadableManifestException">The manifest exists but cannot be read or trusted.</exception>
    public async Task<BackupManifest?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        var reading = await ReadManifestAsync(id, cancellationToken).ConfigureAwait(false);
        return reading switch
        {
            null => null,
            { Manifest: { } manifest } => manifest,
            _ => throw new UnreadableManifestException($"Backup {id}: its manifest cannot be used: {reading.Value.Problem}. Nothing of it was read and nothing of it is deleted: it stays quarantined until an operator decides (docs/backups.md; 'dataguard backup forget {id}').")
            {
                BackupId = id,
                Operation = "backup.manifest",
            },
        };
    }

    /// <summary>Reads a manifest; <see langword="null"/> when there is none.</summary>
    internal async Task<(BackupManifest? Manifest, string? Problem)?> ReadManifestAsync(string id, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await ReadAllAsync(StorageLayout.BackupManifest(id), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageObjectNotFoundException)
        {
            return null;
        }

        return ManifestCodec.Read(bytes, id, _keys);
    }

    private async Task<string> QuarantineReasonAsync(string id, CancellationToken cancellationToken)
    {
        const string gone = "its manifest is gone, but prune had quarantined the folder";
        try
        {
            using var marker = JsonDocument.Parse(await ReadAllAsync(StorageLayout.BackupQuarantine(id), cancellationToken).ConfigureAwait(false));
            var at = marker.RootElement.TryGetProperty("quarantinedAt", out var when) ? when.ToString() : "?";
            var reason = marker.RootElement.TryGetProperty("reason", out var why) ? why.ToString() : "?";
            return $"{gone} on {at} because {reason}";
        }
        catch (Exception ex) when (ex is JsonException or StorageObjectNotFoundException or InvalidOperationException)
        {
            return $"{gone} (its marker cannot be read either)";
        }
    }

    private async Task<byte[]> ReadAllAsync(string key, CancellationToken cancellationToken)
    {
        var stream = await _storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }
}
