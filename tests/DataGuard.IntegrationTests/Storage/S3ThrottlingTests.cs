using System.Security.Cryptography;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>S3 answering 503 SlowDown and 500 InternalError (through <see cref="FaultyS3Proxy"/>): transient errors are retried to a byte-exact object; persistent ones fail cleanly and leave nothing.</summary>
public sealed class S3ThrottlingTests
{
    private const int Size = (S3StorageOptions.MinimumPartSize * 3) + 12345;

    [Fact]
    public async Task Throttling_and_server_errors_on_every_other_request_are_retried_to_an_exact_object()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (_, n) => n % 2 == 1 ? (n % 4 == 1 ? (503, "SlowDown") : (500, "InternalError")) : null);
        using var storage = Storage(bucket, proxy, maxRetries: 3);

        var written = await storage.WriteAsync("backups/t1/data.bin", new GeneratedStream(Size, seed: 7));
        Assert.True(proxy.Faults >= 4, $"only {proxy.Faults} faults were injected");
        Assert.Equal(Size, written.Size);

        await using var read = await storage.OpenReadAsync("backups/t1/data.bin");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int n;
        while ((n = await read.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        Assert.Equal(written.Sha256, Convert.ToHexStringLower(hash.GetHashAndReset()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await ReadAllAsync(new GeneratedStream(Size, seed: 7)))), written.Sha256);
    }

    [Fact]
    public async Task Parts_that_keep_failing_fail_the_write_naming_the_key_leave_no_object_and_abort_the_upload()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) =>
            request.HttpMethod == "PUT" && request.QueryString["partNumber"] == "2" ? (500, "InternalError") : null);
        using var storage = Storage(bucket, proxy, maxRetries: 2);

        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.WriteAsync("backups/t2/data.bin", new GeneratedStream(Size, seed: 8)));
        Assert.Contains("backups/t2/data.bin", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(bucket.Server.SecretKey, ex.ToString(), StringComparison.Ordinal);
        Assert.True(proxy.Faults >= 3, $"the part was tried {proxy.Faults} times");
        Assert.Null(await storage.GetInfoAsync("backups/t2/data.bin"));
        // s3rver cannot list multipart uploads: check that the upload was aborted (its parts freed).
        Assert.Contains(proxy.Seen, r => r.StartsWith("DELETE ", StringComparison.Ordinal) && r.Contains("uploadId=", StringComparison.Ordinal));
    }

    private static S3BackupStorage Storage(TestBucket bucket, FaultyS3Proxy proxy, int maxRetries)
    {
        var options = bucket.Server.Options(bucket.Name, "throttle");
        options.ServiceUrl = proxy.Endpoint;
        options.MaxRetries = maxRetries;
        return new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }
}
