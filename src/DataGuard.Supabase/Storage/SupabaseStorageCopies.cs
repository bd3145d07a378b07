using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DataGuard.IO;
using DataGuard.Postgres;
using DataGuard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// Copies of the project's Storage buckets into DataGuard's storage, which no platform backup covers. A copy streams
/// every object of the configured buckets (all buckets when none are named) into a blob of its own, reusing the blob of
/// the previous copy when the object's ETag and size did not change, records each object's SHA-256 in a manifest written
/// last, and compares the objects with the database's <c>storage.objects</c> rows. A restore writes a copy's objects
/// back into buckets (the same project, another, or any S3-compatible store), each checked against its SHA-256.
/// </summary>
internal sealed class SupabaseStorageCopies(
    IBackupStorage storage,
    IOptions<SupabaseOptions> options,
    IServiceProvider services,
    TimeProvider time,
    ILogger<SupabaseStorageCopies> logger)
{
    /// <summary>Opens the configured source: the S3 endpoint when set, else the REST API.</summary>
    internal Func<ISupabaseObjectStore> OpenStore { get; set; } = () => Open(options.Value.Storage, logger);

    public async Task<SupabaseStorageManifest> BackupAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        // Ids sort by time (listed newest first; "latest" is the first): to the 100 ns, so that two copies in one second keep their order.
        var id = $"{started.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture)}-storage-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var previous = await LatestAsync(cancellationToken).ConfigureAwait(false);
        var known = (previous?.Objects ?? []).ToDictionary(o => (o.Bucket, o.Name));
        using var store = OpenStore();
        var buckets = options.Value.Storage.Buckets.Count > 0
            ? options.Value.Storage.Buckets.ToList()
            : [.. await Call(store, "listing buckets", () => store.ListBucketsAsync(cancellationToken)).ConfigureAwait(false)];
        var entries = new List<SupabaseStorageEntry>();
        int copied = 0, unchanged = 0;
        long bytes = 0;
        foreach (var bucket in buckets)
        {
            var listed = new List<SupabaseObject>();
            await Call(store, $"listing bucket {bucket}", async () =>
            {
                await foreach (var item in store.ListAsync(bucket, cancellationToken).ConfigureAwait(false))
                {
                    listed.Add(item);
                }

                return 0;
            }).ConfigureAwait(false);
            foreach (var item in listed)
            {
                var blob = StorageLayout.SupabaseStorageBlob(bucket, VersionHash(item));
                if (known.TryGetValue((bucket, item.Name), out var before) && before.Blob == blob
                    && await storage.GetInfoAsync(blob, cancellationToken).ConfigureAwait(false) is not null)
                {
                    entries.Add(before with { ContentType = item.ContentType ?? before.ContentType });
                    unchanged++;
                    continue;
                }

                var source = await Call(store, $"reading {bucket}/{item.Name}", () => store.OpenReadAsync(bucket, item.Name, cancellationToken)).ConfigureAwait(false);
                StorageWriteResult written;
                await using (source.ConfigureAwait(false))
                {
                    written = await storage.WriteAsync(blob, source, new StorageWriteOptions { ContentType = item.ContentType, ExpectedLength = item.Size }, cancellationToken).ConfigureAwait(false);
                }

                if (written.Size != item.Size)
                {
                    SupabaseLog.RestoreWarning(logger, $"Storage object {bucket}/{item.Name} was listed with {item.Size} bytes and read with {written.Size} (changed during the copy); the copy holds what was read");
                }

                entries.Add(new SupabaseStorageEntry(bucket, item.Name, written.Size, item.ETag, item.ContentType, written.Sha256, blob));
                copied++;
                bytes += written.Size;
            }
        }

        var manifest = new SupabaseStorageManifest
        {
            Id = id,
            Source = store.Describe,
            StartedAt = started,
            FinishedAt = time.GetUtcNow(),
            Buckets = buckets,
            Objects = entries,
            Copied = copied,
            Unchanged = unchanged,
            Bytes = bytes,
            Reconciliation = await ReconcileAsync(buckets, entries, cancellationToken).ConfigureAwait(false),
        };
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest));
        await storage.WriteAsync(StorageLayout.SupabaseStorageManifest(id), content, new StorageWriteOptions { WriteOnce = true, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        SupabaseLog.StorageCopied(logger, id, entries.Count, buckets.Count, copied, unchanged, bytes);
        return manifest;
    }

    /// <summary>The copies, newest first.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var item in storage.ListAsync(StorageLayout.SupabaseStorageCopies, cancellationToken).ConfigureAwait(false))
        {
            var rest = item.Key[StorageLayout.SupabaseStorageCopies.Length..];
            if (rest.EndsWith("/manifest.json", StringComparison.Ordinal))
            {
                ids.Add(rest[..^"/manifest.json".Length]);
            }
        }

        return ids.OrderDescending(StringComparer.Ordinal).ToList();
    }

    public async Task<SupabaseStorageManifest> ReadAsync(string copyId, CancellationToken cancellationToken)
    {
        if (copyId == "latest")
        {
            return await LatestAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DataGuardException("There is no copy of Supabase Storage yet (dataguard supabase storage backup).") { Operation = "supabase-storage" };
        }

        if (copyId.Contains('/', StringComparison.Ordinal) || copyId.Contains("..", StringComparison.Ordinal))
        {
            throw new DataGuardException($"'{copyId}' is not a Storage copy id.") { Operation = "supabase-storage" };
        }

        var key = StorageLayout.SupabaseStorageManifest(copyId);
        if (await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new DataGuardException($"There is no Storage copy {copyId} in {storage.Location}.") { Operation = "supabase-storage" };
        }

        var stream = await storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest, cancellationToken).ConfigureAwait(false)
                ?? throw new DataGuardException($"The manifest of Storage copy {copyId} is empty.") { Operation = "supabase-storage" };
        }
    }

    /// <summary>Writes a copy's objects into buckets (each bucket, or the one <paramref name="toBucket"/> names), each checked against its SHA-256 first.</summary>
    /// <param name="copyId">The copy, or <c>latest</c>.</param>
    /// <param name="buckets">Only these buckets of the copy; empty for all.</param>
    /// <param name="toBucket">Writes every object into this bucket instead of its own; <see langword="null"/> for its own.</param>
    /// <param name="cancellationToken">Cancels the restore.</param>
    /// <returns>The number of objects and bytes written.</returns>
    public async Task<(int Objects, long Bytes)> RestoreAsync(string copyId, IReadOnlyCollection<string> buckets, string? toBucket, CancellationToken cancellationToken)
    {
        var manifest = await ReadAsync(copyId, cancellationToken).ConfigureAwait(false);
        var unknown = buckets.Where(b => !manifest.Buckets.Contains(b, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new DataGuardException($"Storage copy {manifest.Id} holds no bucket {string.Join(", ", unknown)} (it holds {string.Join(", ", manifest.Buckets)}); nothing was written.") { Operation = "supabase-storage" };
        }

        using var store = OpenStore();
        int count = 0;
        long bytes = 0;
        foreach (var entry in manifest.Objects.Where(o => buckets.Count == 0 || buckets.Contains(o.Bucket)))
        {
            var blob = await storage.OpenReadAsync(entry.Blob, cancellationToken: cancellationToken).ConfigureAwait(false);
            var verified = new VerifyingReadStream(blob, entry.Sha256, entry.Size, $"{entry.Bucket}/{entry.Name}");
            await using (verified.ConfigureAwait(false))
            {
                var bucket = toBucket ?? entry.Bucket;
                await Call(store, $"writing {bucket}/{entry.Name}", async () =>
                {
                    await store.WriteAsync(bucket, entry.Name, verified, entry.Size, entry.ContentType, cancellationToken).ConfigureAwait(false);
                    return 0;
                }).ConfigureAwait(false);
            }

            count++;
            bytes += entry.Size;
        }

        return (count, bytes);
    }

    internal static ISupabaseObjectStore Open(SupabaseStorageOptions options, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.Endpoint))
        {
            return new SupabaseS3ObjectStore(options, logger);
        }

        if (!string.IsNullOrEmpty(options.RestUrl))
        {
            return new SupabaseRestObjectStore(options);
        }

        throw new DataGuardException($"Copying Supabase Storage needs {SupabaseOptions.SectionPath}:Storage:Endpoint (the S3 endpoint, with its access keys) or {SupabaseOptions.SectionPath}:Storage:RestUrl (with the service key).") { Operation = "supabase-storage" };
    }

    /// <summary>The name of one version of an object: the same name, ETag and size give the same blob.</summary>
    private static string VersionHash(SupabaseObject item) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{item.Name}\n{item.ETag}\n{item.Size.ToString(CultureInfo.InvariantCulture)}")));

    private static async Task<T> Call<T>(ISupabaseObjectStore store, string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Amazon.Runtime.AmazonServiceException ex)
        {
            throw new DataGuardException($"Supabase Storage ({store.Describe}), {what}: {(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}", ex) { Operation = "supabase-storage" };
        }
        catch (HttpRequestException ex)
        {
            throw new DataGuardException($"Supabase Storage ({store.Describe}), {what}: {ex.Message}", ex) { Operation = "supabase-storage" };
        }
    }

    private async Task<SupabaseStorageManifest?> LatestAsync(CancellationToken cancellationToken)
    {
        var ids = await ListAsync(cancellationToken).ConfigureAwait(false);
        return ids.Count == 0 ? null : await ReadAsync(ids[0], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Compares the copied objects with <c>storage.objects</c>; <see langword="null"/> without a configured database or that table.</summary>
    private async Task<SupabaseStorageReconciliation?> ReconcileAsync(IReadOnlyList<string> buckets, IReadOnlyList<SupabaseStorageEntry> entries, CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(DataGuardDataSource)) is not DataGuardDataSource source)
        {
            return null;
        }

        var rows = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var connection = await source.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var exists = new NpgsqlCommand("SELECT to_regclass('storage.objects') IS NOT NULL", connection);
            await using (exists.ConfigureAwait(false))
            {
                if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return null;
                }
            }

            var command = new NpgsqlCommand("SELECT bucket_id, name FROM storage.objects WHERE bucket_id = ANY(@buckets)", connection);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.AddWithValue("buckets", buckets.ToArray());
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add($"{reader.GetString(0)}/{reader.GetString(1)}");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            SupabaseLog.RestoreWarning(logger, $"Storage copy not compared with storage.objects: {ex.Message}");
            return null;
        }

        var objects = entries.Select(e => $"{e.Bucket}/{e.Name}").ToHashSet(StringComparer.Ordinal);
        return new SupabaseStorageReconciliation(
            rows.Count,
            rows.Except(objects).Order(StringComparer.Ordinal).ToList(),
            objects.Except(rows).Order(StringComparer.Ordinal).ToList());
    }
}
