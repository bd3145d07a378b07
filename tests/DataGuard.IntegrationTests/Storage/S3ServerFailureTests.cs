using Amazon.S3.Model;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

public sealed class S3ServerFailureTests
{
    [Fact]
    public async Task Server_stopped_mid_upload_fails_naming_endpoint_and_key_and_leaves_no_object()
    {
        await using var server = await PrivateS3rver.StartAsync();
        var options = new S3StorageOptions
        {
            Bucket = "crash",
            ServiceUrl = server.Endpoint,
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
            PartSize = S3StorageOptions.MinimumPartSize,
            MaxRetries = 1,
            RequestTimeout = TimeSpan.FromSeconds(20),
        };
        using var client = S3ClientFactory.Create(options);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = "crash" });
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);

        var source = new GeneratedStream(S3StorageOptions.MinimumPartSize * 8)
        {
            CallbackAfter = S3StorageOptions.MinimumPartSize * 3,
            Callback = server.Kill,
        };
        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.WriteAsync("backups/b1/data.dump.zst", source));

        Assert.Contains(server.Endpoint, ex.Message);
        Assert.Contains("backups/b1/data.dump.zst", ex.Message);
        Assert.DoesNotContain("S3RVER", ex.ToString());

        await server.RestartAsync();
        Assert.Null(await storage.GetInfoAsync("backups/b1/data.dump.zst"));
        await foreach (var item in storage.ListAsync(string.Empty))
        {
            Assert.Fail($"unexpected object {item.Key}");
        }
    }

    [Fact]
    public async Task Unreachable_endpoint_fails_naming_the_endpoint()
    {
        await using var server = await PrivateS3rver.StartAsync();
        server.Kill();
        var options = new S3StorageOptions
        {
            Bucket = "nowhere",
            ServiceUrl = server.Endpoint,
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
            MaxRetries = 0,
        };
        using var storage = new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.WriteAsync("a", new MemoryStream([1])));
        Assert.Contains(server.Endpoint, ex.Message);

        var probe = await storage.ProbeAsync();
        Assert.False(probe.Succeeded);
        Assert.Equal("put", probe.FirstFailure!.Name);
    }
}
