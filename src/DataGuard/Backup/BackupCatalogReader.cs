using System.Text.Json;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>Reads the catalog of backups from storage: one manifest per backup, data without a manifest as orphans.</summary>
public sealed class BackupCatalogReader
{
    private readonly IBackupStorage _storage;

    /// <summary>Initializes a new instance of the <see cref="BackupCatalogReader"/> class.</summary>
    /// <param name="storage">The storage.</param>
    public BackupCatalogReader(IBackupStorage storage) => _storage = storage;

    /// <summary>Reads every manifest and finds the orphans.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The catalog, newest first.</returns>
    public async Task<BackupCatalog> ReadAsync(CancellationToken cancellationToken = default)
    {
        var folders = new SortedDictionary<string, List<StorageObjectInfo>>(StringComparer.Ordinal);
        await foreach (var item in _storage.ListAsync(BackupIds.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (BackupIds.IdOf(item.Key) is { } id)
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
        foreach (var (id, objects) in folders.Reverse())
        {
            var manifestKey = BackupIds.ManifestKey(id);
            var manifest = objects.Any(o => o.Key == manifestKey) ? await TryReadAsync(manifestKey, cancellationToken).ConfigureAwait(false) : null;
            if (manifest is not null)
            {
                backups.Add(manifest);
            }
            else
            {
                orphans.Add(new OrphanedBackup(id, [.. objects.Select(o => o.Key)], objects.Sum(o => o.Size), objects.Max(o => o.LastModified)));
            }
        }

        return new BackupCatalog(backups, orphans);
    }

    /// <summary>Reads one backup's manifest.</summary>
    /// <param name="id">The backup id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest, or <see langword="null"/> when the backup does not exist.</returns>
    public Task<BackupManifest?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        TryReadAsync(BackupIds.ManifestKey(id), cancellationToken);

    private async Task<BackupManifest?> TryReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return ManifestSerializer.Deserialize(buffer.ToArray());
            }
        }
        catch (StorageObjectNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // An unreadable manifest makes the backup unusable: it is listed as an orphan.
            return null;
        }
    }
}
