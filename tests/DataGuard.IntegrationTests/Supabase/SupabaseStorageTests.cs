using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Supabase;
using DataGuard.Supabase.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// Copies of Storage buckets: through the S3-compatible endpoint (played by the project's s3rver) and through the REST API
/// (played by <see cref="StorageRestStub"/>), into DataGuard's disk storage, reconciled against a Supabase-shaped
/// database's storage.objects rows; incremental by ETag and size; restored byte for byte; a tampered copy refused.
/// </summary>
[Collection(SupabaseCollection.Name)]
public sealed class SupabaseStorageTests(SupabaseLab lab)
{
    [Fact]
    public async Task Buckets_copied_through_the_S3_endpoint_are_reconciled_incremental_and_restore_byte_for_byte()
    {
        var server = await TestS3.GetServerAsync();
        using var s3 = S3ClientFactory.Create(server.Options("unused"));
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string avatars = $"avatars-{suffix}", docs = $"docs-{suffix}", restored = $"restored-{suffix}";
        foreach (var bucket in new[] { avatars, docs, restored })
        {
            await s3.PutBucketAsync(bucket);
        }

        var random = new Random(19);
        var content = new Dictionary<string, byte[]>();
        foreach (var (bucket, name, size) in new[] { (avatars, "u1.png", 1_000), (avatars, "folder/u2.png", 70_000), (avatars, "big.bin", 6 * 1024 * 1024 + 17), (docs, "a.txt", 10), (docs, "extra.txt", 500) })
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            content[$"{bucket}/{name}"] = bytes;
            await PutAsync(s3, bucket, name, bytes);
        }

        // The database knows every object but docs/extra.txt, and one avatar that is not in the bucket.
        var project = await lab.CreateProjectAsync(withApplication: false);
        var rows = content.Keys.Where(k => !k.EndsWith("extra.txt", StringComparison.Ordinal)).Append($"{avatars}/ghost.png").ToList();
        await SupabaseLab.ExecuteAsync(lab.ProjectConnection(project),
            $"INSERT INTO storage.buckets (id, name) VALUES ('{avatars}', '{avatars}'), ('{docs}', '{docs}');"
            + string.Concat(rows.Select(k => $"INSERT INTO storage.objects (bucket_id, name) VALUES ('{k[..k.IndexOf('/')]}', '{k[(k.IndexOf('/') + 1)..]}');")));

        var root = Path.Combine(Path.GetTempPath(), $"dataguard-sbstorage-{Guid.NewGuid():N}");
        var logs = new CapturedLogs();
        try
        {
            await using var services = Build(lab.ProjectConnection(project), root, logs, o =>
            {
                o.Endpoint = server.Endpoint;
                o.AccessKeyId = server.AccessKey;
                o.SecretAccessKey = server.SecretKey;
                o.Buckets.AddRange([avatars, docs]);
            });
            var copies = services.GetRequiredService<SupabaseStorageCopies>();
            var first = await copies.BackupAsync(CancellationToken.None);
            Assert.Equal(5, first.Objects.Count);
            Assert.Equal(5, first.Copied);
            Assert.Equal(content.Values.Sum(b => (long)b.Length), first.Bytes);
            Assert.NotNull(first.Reconciliation);
            Assert.Equal([$"{avatars}/ghost.png"], first.Reconciliation!.RowsWithoutObject);
            Assert.Equal([$"{docs}/extra.txt"], first.Reconciliation.ObjectsWithoutRow);

            // One object deleted, one added: the next copy reads only the new one.
            await s3.DeleteObjectAsync(docs, "a.txt");
            var added = new byte[4321];
            random.NextBytes(added);
            await PutAsync(s3, avatars, "folder/new.png", added);
            var second = await copies.BackupAsync(CancellationToken.None);
            Assert.Equal(1, second.Copied);
            Assert.Equal(4, second.Unchanged);
            Assert.DoesNotContain(second.Objects, o => o.Name == "a.txt");
            Assert.Contains($"{docs}/a.txt", second.Reconciliation!.RowsWithoutObject);
            Assert.Equal([second.Id, first.Id], await copies.ListAsync(CancellationToken.None));

            // The first copy, restored into an empty bucket, gives the same bytes.
            var (objects, _) = await copies.RestoreAsync(first.Id, [avatars], restored, CancellationToken.None);
            Assert.Equal(3, objects);
            foreach (var entry in first.Objects.Where(o => o.Bucket == avatars))
            {
                using var got = await s3.GetObjectAsync(restored, entry.Name);
                using var buffer = new MemoryStream();
                await got.ResponseStream.CopyToAsync(buffer);
                Assert.Equal(content[$"{avatars}/{entry.Name}"], buffer.ToArray());
            }

            // An object whose stored bytes changed is refused before it is written.
            await s3.PutBucketAsync($"{restored}-x");
            var blob = Path.Combine(root, first.Objects.Single(o => o.Name == "u1.png").Blob);
            var tampered = await File.ReadAllBytesAsync(blob);
            tampered[10] ^= 0xFF;
            await File.WriteAllBytesAsync(blob, tampered);
            var ex = await Assert.ThrowsAsync<InvalidDataException>(() => copies.RestoreAsync(first.Id, [avatars], $"{restored}-x", CancellationToken.None));
            Assert.Contains("does not match its manifest", ex.Message, StringComparison.Ordinal);
            Assert.Contains("u1.png", ex.Message, StringComparison.Ordinal);
            var written = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = $"{restored}-x" });
            Assert.DoesNotContain(written.S3Objects ?? [], o => o.Key == "u1.png");
            Assert.DoesNotContain(server.SecretKey + "x", logs.All, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Buckets_copied_through_the_REST_API_restore_into_another_project_byte_for_byte()
    {
        const string key = "service-role-key-0123456789abcdef";
        await using var source = new StorageRestStub(key);
        await using var target = new StorageRestStub(key);
        var random = new Random(7);
        foreach (var (bucket, name) in new[] { ("avatars", "u1.png"), ("avatars", "a/b/deep.png"), ("avatars", "a/side.txt"), ("docs", "report.pdf") })
        {
            var bytes = new byte[random.Next(1, 50_000)];
            random.NextBytes(bytes);
            source.Buckets.GetOrAdd(bucket, _ => new())[name] = (bytes, name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "application/octet-stream");
        }

        var root = Path.Combine(Path.GetTempPath(), $"dataguard-sbstorage-{Guid.NewGuid():N}");
        var logs = new CapturedLogs();
        try
        {
            // No bucket named: every bucket of the project.
            await using (var services = Build("Host=127.0.0.1;Port=1;Database=unused;Username=unused", root, logs, o => { o.RestUrl = source.Url; o.ServiceKey = key; }))
            {
                var manifest = await services.GetRequiredService<SupabaseStorageCopies>().BackupAsync(CancellationToken.None);
                Assert.Equal(["avatars", "docs"], manifest.Buckets);
                Assert.Equal(4, manifest.Objects.Count);
                Assert.Null(manifest.Reconciliation);   // no database reachable: not compared, not failed
                Assert.Contains(manifest.Objects, o => o.Name == "a/b/deep.png" && o.ContentType == "image/png");
            }

            await using (var services = Build("Host=127.0.0.1;Port=1;Database=unused;Username=unused", root, logs, o => { o.RestUrl = target.Url; o.ServiceKey = key; }))
            {
                var (objects, _) = await services.GetRequiredService<SupabaseStorageCopies>().RestoreAsync("latest", [], null, CancellationToken.None);
                Assert.Equal(4, objects);
            }

            foreach (var (bucket, items) in source.Buckets)
            {
                foreach (var (name, item) in items)
                {
                    Assert.Equal(item.Bytes, target.Buckets[bucket][name].Bytes);
                    Assert.Equal(item.ContentType, target.Buckets[bucket][name].ContentType);
                }
            }

            Assert.DoesNotContain(key, logs.All, StringComparison.Ordinal);

            // A wrong key is an error that names the option, not the key.
            await using var wrong = Build("Host=127.0.0.1;Port=1;Database=unused;Username=unused", root, logs, o => { o.RestUrl = source.Url; o.ServiceKey = "wrong-key-fedcba9876543210"; });
            var ex = await Assert.ThrowsAsync<DataGuardException>(() => wrong.GetRequiredService<SupabaseStorageCopies>().BackupAsync(CancellationToken.None));
            Assert.Contains("ServiceKey", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-key-fedcba9876543210", ex.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task PutAsync(IAmazonS3 s3, string bucket, string name, byte[] bytes) =>
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name, InputStream = new MemoryStream(bytes), UseChunkEncoding = false });

    private static ServiceProvider Build(string connectionString, string root, CapturedLogs logs, Action<SupabaseStorageOptions> storage)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddDataGuard()
            .AddPostgres(o => o.ConnectionString = connectionString)
            .AddSupabase(o => storage(o.Storage))
            .AddFileSystemStorage(root);
        return services.BuildServiceProvider();
    }
}
