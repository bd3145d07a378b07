using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

public sealed class S3BackupStorageTests : BackupStorageConformanceTests
{
    private readonly List<S3BackupStorage> _storages = [];
    private TestBucket? _bucket;

    public override async Task DisposeAsync()
    {
        foreach (var storage in _storages)
        {
            storage.Dispose();
        }

        if (_bucket is not null)
        {
            await _bucket.DisposeAsync();
        }
    }

    [Fact]
    public async Task Objects_are_byte_identical_when_downloaded_by_the_AWS_CLI()
    {
        var aws = AwsCli.Find();
        var length = PartSize * 2 + 12_345;
        await Storage.WriteAsync("cli/multipart.bin", new GeneratedStream(length, seed: 11));
        await Storage.WriteAsync("cli/single.bin", new GeneratedStream(1_000, seed: 12));

        foreach (var (key, size, seed) in new[] { ("cli/multipart.bin", length, 11), ("cli/single.bin", 1_000, 12) })
        {
            var target = Path.Combine(Path.GetTempPath(), $"dataguard-awscli-{Guid.NewGuid():N}");
            try
            {
                var server = await TestS3.GetServerAsync();
                var (code, _, error) = await aws.RunAsync(server, ["s3", "cp", $"s3://{_bucket!.Name}/conformance/{key}", target]);
                Assert.True(code == 0, $"aws s3 cp failed: {error}");
                Assert.Equal(GeneratedStream.Bytes(size, seed), await File.ReadAllBytesAsync(target));
            }
            finally
            {
                File.Delete(target);
            }
        }
    }

    [Fact]
    public async Task Keys_live_under_the_configured_prefix_in_the_bucket()
    {
        await Storage.WriteAsync("backups/x/manifest.json", new MemoryStream([1]));
        var listing = await _bucket!.Client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = _bucket.Name });
        Assert.Equal(["conformance/backups/x/manifest.json"], listing.S3Objects.Select(o => o.Key));
    }

    [Fact]
    public async Task Probe_reports_what_s3rver_lacks()
    {
        var probe = await Storage.ProbeAsync();
        var abort = Assert.Single(probe.Steps, s => s.Name == "abort-multipart");
        Assert.True(abort.Optional);
        Assert.Contains(probe.Steps, s => s.Name == "batch-delete");
    }

    [Fact]
    public void Location_names_bucket_prefix_and_endpoint_but_no_credentials()
    {
        Assert.Contains($"s3://{_bucket!.Name}/conformance/", Storage.Location);
        Assert.Contains("http://127.0.0.1:", Storage.Location);
        Assert.DoesNotContain("S3RVER", Storage.Location);
    }

    [Fact]
    public async Task A_seven_day_link_is_SigV4_even_when_the_host_clock_runs_ahead_of_the_SDKs()
    {
        // Found by CI: the link's expiry was taken from the host's clock and measured by the SDK from its own, so a
        // 7-day link came out a moment past SigV4's limit and the SDK signed an old-style SigV2 link instead.
        _bucket ??= await TestS3.CreateBucketAsync();
        var options = _bucket.Server.Options(_bucket.Name, "clock");
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, new AheadTimeProvider(TimeSpan.FromSeconds(5)));
        var bytes = GeneratedStream.Bytes(500, seed: 8);
        await storage.WriteAsync("links/week.bin", new MemoryStream(bytes));

        var link = await storage.GetDownloadLinkAsync("links/week.bin", TimeSpan.FromDays(7));

        Assert.Contains("X-Amz-Signature=", link.Query, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Expires=604800", link.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("AWSAccessKeyId", link.Query, StringComparison.Ordinal);
        Assert.Equal(bytes, await DownloadAsync(link));
    }

    protected override async Task<IBackupStorage> CreateStorageAsync(string? prefix)
    {
        _bucket ??= await TestS3.CreateBucketAsync();
        var options = _bucket.Server.Options(_bucket.Name, prefix);
        var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
        _storages.Add(storage);
        return storage;
    }
}

file sealed class AheadTimeProvider(TimeSpan ahead) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
}
