using DataGuard.Backup;
using DataGuard.IntegrationTests.Backup;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>
/// The bounded memory of uploads to S3 (docs/benchmarks.md, "Peak memory with S3"): part buffers of (MaxConcurrentParts
/// + 1) x PartSize, in native memory freed when the upload ends, endpoint rules evaluated once per object, and an object
/// larger than its parts allow refused with the option to raise. Against s3rver, every object read back.
/// </summary>
public sealed class S3UploadMemoryTests : IAsyncLifetime
{
    private const int PartSize = S3StorageOptions.MinimumPartSize;
    private TestBucket _bucket = null!;

    public async Task InitializeAsync() => _bucket = await TestS3.CreateBucketAsync();

    public async Task DisposeAsync() => await _bucket.DisposeAsync();

    [Fact]
    public async Task A_multipart_backup_with_the_default_part_buffers_and_zstd_workers_is_stored_verified_and_restored()
    {
        // Default MaxConcurrentParts (2) and compression threads (one per core: zstd workers in 1 MiB jobs), 5 MiB parts.
        await using var harness = await BackupHarness.CreateAsync(s3: true, configure: o => o.Backup.Compression.Level = 3);
        await harness.Database.ExecuteAsync("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS v FROM generate_series(1, 300000) g");

        var manifest = await harness.Backups.RunAsync();

        Assert.True(manifest.StoredSize > 2L * PartSize, $"{manifest.StoredSize} bytes stored: not a multipart upload");
        Assert.NotNull(manifest.Verification);
        Assert.True(manifest.Verification.Succeeded, manifest.Verification.Detail);
        await using (var stored = await harness.Storage.OpenReadAsync(manifest.DataKey))
        {
            Assert.Equal(manifest.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stored)));
        }

        var restored = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch);
        Assert.Contains(restored.Tables, t => t.Table.EndsWith("big", StringComparison.Ordinal) && t.Actual == 300000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Part_buffers_stay_within_MaxConcurrentParts_plus_one_and_the_object_reads_back_identical(int concurrency)
    {
        var options = _bucket.Server.Options(_bucket.Name, "bounds");
        options.MaxConcurrentParts = concurrency;
        using var client = S3ClientFactory.Create(options);
        var length = (PartSize * 6L) + 12_345;
        using var upload = new S3StreamUpload(client, options, _bucket.Name, $"bounds/c{concurrency}.bin", StorageWriteOptions.Default, NullLogger.Instance);

        var written = await upload.RunAsync($"c{concurrency}.bin", new GeneratedStream(length, seed: concurrency), CancellationToken.None);

        Assert.Equal(length, written.Size);
        Assert.Equal(GeneratedStream.ExpectedSha256(length, concurrency), written.Sha256);
        Assert.InRange(upload.PeakBufferBytes, 2L * PartSize, (concurrency + 1L) * PartSize);
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
        await using var read = await storage.OpenReadAsync($"c{concurrency}.bin");
        Assert.Equal(written.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read)));
    }

    [Fact]
    public async Task An_object_larger_than_its_parts_allow_fails_naming_PartSize_and_leaves_no_object()
    {
        var options = _bucket.Server.Options(_bucket.Name, "limit");
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System)
        {
            MaxParts = 2,
        };

        // Exactly two full parts fit; one byte more does not.
        var fits = await storage.WriteAsync("fits.bin", new GeneratedStream(2L * PartSize));
        Assert.Equal(2L * PartSize, fits.Size);
        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.WriteAsync("over.bin", new GeneratedStream((2L * PartSize) + 1)));

        Assert.Contains("PartSize", ex.Message);
        Assert.Contains("over.bin", ex.Message);
        Assert.Null(await storage.GetInfoAsync("over.bin"));
    }

    [Fact]
    public async Task An_expected_length_raises_the_part_size_so_an_object_the_configured_parts_cannot_hold_is_stored()
    {
        var options = _bucket.Server.Options(_bucket.Name, "expected");
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System)
        {
            MaxParts = 2,
        };

        // Three parts and a bit at the configured 5 MiB; with the length known, two parts of 10 MiB hold it.
        var length = (3L * PartSize) + 7;
        var written = await storage.WriteAsync("expected.bin", new GeneratedStream(length, seed: 3), new StorageWriteOptions { ExpectedLength = length });

        Assert.Equal(length, written.Size);
        Assert.Equal(GeneratedStream.ExpectedSha256(length, 3), written.Sha256);
        await using var read = await storage.OpenReadAsync("expected.bin");
        Assert.Equal(written.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read)));
    }

    [Fact]
    public async Task Raised_parts_upload_fewer_at_once_so_their_buffers_stay_within_the_configured_ones()
    {
        // Configured: 4 x 5 MiB in flight (25 MiB of buffers). Forty MiB expected in at most four parts: 13 MiB parts,
        // one in flight and one filling (26 MiB), not four (65 MiB).
        var options = _bucket.Server.Options(_bucket.Name, "budget");
        options.MaxConcurrentParts = 4;
        using var client = S3ClientFactory.Create(options);
        var length = 8L * PartSize;
        using var upload = new S3StreamUpload(client, options, _bucket.Name, "budget/raised.bin", new StorageWriteOptions { ExpectedLength = length }, NullLogger.Instance, maxParts: 4);

        var written = await upload.RunAsync("raised.bin", new GeneratedStream(length, seed: 13), CancellationToken.None);

        Assert.Equal(13 * 1024 * 1024, upload.PartSize);
        Assert.Equal(1, upload.Concurrency);
        Assert.Equal(GeneratedStream.ExpectedSha256(length, 13), written.Sha256);
        Assert.InRange(upload.PeakBufferBytes, upload.PartSize, 2L * upload.PartSize);
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
        await using var read = await storage.OpenReadAsync("raised.bin");
        Assert.Equal(written.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read)));
    }

    [Fact]
    public async Task An_estimate_far_too_low_still_fails_naming_it_and_PartSize_and_leaves_no_object()
    {
        var options = _bucket.Server.Options(_bucket.Name, "low");
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System)
        {
            MaxParts = 2,
        };

        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.WriteAsync("low.bin", new GeneratedStream((2L * PartSize) + 1), new StorageWriteOptions { ExpectedLength = 1024 * 1024 }));

        Assert.Contains("expected to be about 1 MiB", ex.Message);
        Assert.Contains("PartSize", ex.Message);
        Assert.Null(await storage.GetInfoAsync("low.bin"));
    }

    [Fact]
    public async Task A_large_expected_length_does_not_make_a_stream_without_memory_reads_rent_arrays_as_large_as_a_part()
    {
        // A 4 TiB estimate gives 512 MiB parts. A content stream that overrides only Read(byte[], ...) (as many do; the
        // AWS SDK's wrapper streams among them) is read through Stream.ReadAsync(Memory), which rents a managed array as
        // large as the memory asked for: a read of the rest of a 512 MiB part rented (and the shared pool then kept) a
        // 512 MiB array, managed memory a container's GC heap limit counts in full.
        var options = _bucket.Server.Options(_bucket.Name, "reads");
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
        var length = (2L * PartSize) + 3;
        var content = new ArrayReadsOnlyStream(new GeneratedStream(length, seed: 5));

        var written = await storage.WriteAsync("reads.bin", content, new StorageWriteOptions { ExpectedLength = 4L << 40 });

        Assert.Equal(length, written.Size);
        Assert.Equal(GeneratedStream.ExpectedSha256(length, 5), written.Sha256);
        Assert.InRange(content.LargestArray, 1, 1024 * 1024);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_logical_backup_larger_than_its_configured_parts_allow_is_stored_in_parts_sized_from_the_database(int parallelism)
    {
        // Single stream: the estimate is pg_database_size; parallel: each data file's size once pg_dump has written it.
        await using var harness = await BackupHarness.CreateAsync(s3: true, configure: o =>
        {
            o.Backup.Compression.Level = 1;
            o.Backup.Parallelism = parallelism;
        });
        await harness.Database.ExecuteAsync("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS v FROM generate_series(1, 300000) g");
        var storage = Assert.IsType<S3BackupStorage>(harness.Storage);

        // One part of the configured 5 MiB cannot hold the archive; one sized from pg_database_size can.
        storage.MaxParts = 1;
        var manifest = await harness.Backups.RunAsync();

        var largest = manifest.Objects is { Count: > 0 } objects ? objects.Max(o => o.StoredSize) : manifest.StoredSize;
        Assert.True(largest > 2L * PartSize, $"{largest} bytes in the largest object: one configured part would have held it");
        Assert.True(manifest.Verification!.Succeeded, manifest.Verification.Detail);
        var restored = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch);
    }

    [Fact]
    public async Task The_endpoint_rules_are_evaluated_once_per_object_not_once_per_request()
    {
        var options = _bucket.Server.Options(_bucket.Name, "rules");
        var client = S3ClientFactory.Create(options);
        var rules = Assert.IsType<CachingEndpointProvider>(client.Config.EndpointProvider);
        using var storage = new S3BackupStorage(client, ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);

        // Initiate, 7 parts, complete, then a read: ten requests about one key.
        var written = await storage.WriteAsync("object.bin", new GeneratedStream((PartSize * 6L) + 1));
        await using (var read = await storage.OpenReadAsync("object.bin"))
        {
            Assert.Equal(written.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read)));
        }

        Assert.InRange(rules.Misses, 1, 3);
    }
}
