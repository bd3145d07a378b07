using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.S3;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// The S3-compatible server of the integration tests: <c>DATAGUARD_TEST_S3_ENDPOINT</c> (with
/// <c>DATAGUARD_TEST_S3_ACCESS_KEY</c> / <c>_SECRET_KEY</c>) when set, else an s3rver started by scripts/services.sh,
/// else a failure that says what is missing. Each test gets its own bucket.
/// </summary>
public static class TestS3
{
    private static readonly Lazy<Task<S3Server>> Server = new(FindServerAsync);

    public static Task<S3Server> GetServerAsync() => Server.Value;

    public static async Task<TestBucket> CreateBucketAsync()
    {
        var server = await GetServerAsync();
        var name = $"dg-test-{Guid.NewGuid():N}"[..30];
        var client = S3ClientFactory.Create(server.Options(name));
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return new TestBucket(server, name, client);
    }

    private static async Task<S3Server> FindServerAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            return new S3Server(
                endpoint,
                Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ACCESS_KEY") ?? "S3RVER",
                Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_SECRET_KEY") ?? "S3RVER");
        }

        try
        {
            var exports = await ServicesScript.StartAsync("s3");
            return new S3Server(exports["DATAGUARD_TEST_S3_ENDPOINT"], exports["DATAGUARD_TEST_S3_ACCESS_KEY"], exports["DATAGUARD_TEST_S3_SECRET_KEY"]);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                "No S3-compatible server for the integration tests. DATAGUARD_TEST_S3_ENDPOINT is not set and " +
                $"scripts/services.sh could not start s3rver ({ex.Message}). Install Node.js and npm, or point " +
                "DATAGUARD_TEST_S3_ENDPOINT at an S3-compatible server.", ex);
        }
    }
}

/// <summary>Where the tests' S3 server is.</summary>
public sealed record S3Server(string Endpoint, string AccessKey, string SecretKey)
{
    /// <summary>Copies this server's settings for a bucket onto options being configured (AddS3Storage's callback).</summary>
    public void Configure(S3StorageOptions target, string bucket, string? prefix = null, string? endpoint = null)
    {
        var options = Options(bucket, prefix);
        target.Bucket = options.Bucket;
        target.Prefix = options.Prefix;
        target.ServiceUrl = endpoint ?? options.ServiceUrl;
        target.AccessKeyId = options.AccessKeyId;
        target.SecretAccessKey = options.SecretAccessKey;
        target.PartSize = options.PartSize;
        target.MaxRetries = options.MaxRetries;
    }

    public S3StorageOptions Options(string bucket, string? prefix = null) => new()
    {
        Bucket = bucket,
        Prefix = prefix,
        ServiceUrl = Endpoint,
        AccessKeyId = AccessKey,
        SecretAccessKey = SecretKey,
        PartSize = S3StorageOptions.MinimumPartSize,
        MaxRetries = 2,
    };
}

/// <summary>A bucket of one test's own, emptied and deleted on dispose.</summary>
public sealed class TestBucket(S3Server server, string name, IAmazonS3 client) : IAsyncDisposable
{
    public S3Server Server { get; } = server;

    public string Name { get; } = name;

    public IAmazonS3 Client { get; } = client;

    public async ValueTask DisposeAsync()
    {
        try
        {
            var listing = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name });
            while (true)
            {
                foreach (var item in listing.S3Objects ?? [])
                {
                    await Client.DeleteObjectAsync(Name, item.Key);
                }

                if (listing.IsTruncated != true)
                {
                    break;
                }

                listing = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name, ContinuationToken = listing.NextContinuationToken });
            }

            await Client.DeleteBucketAsync(Name);
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the server is thrown away with the test run.
        }
        finally
        {
            Client.Dispose();
        }
    }
}
