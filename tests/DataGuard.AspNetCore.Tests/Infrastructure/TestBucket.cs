using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>A bucket of one test's own on the S3-compatible server of <c>DATAGUARD_TEST_S3_ENDPOINT</c> (s3rver, started by scripts/test.sh).</summary>
internal sealed class TestBucket : IDisposable
{
    private readonly AmazonS3Client _client;

    private TestBucket(AmazonS3Client client, string name, string endpoint, string accessKey, string secretKey)
    {
        _client = client;
        Name = name;
        Configuration = new Dictionary<string, string?>
        {
            ["DataGuard:Storage:Provider"] = "S3",
            ["DataGuard:Storage:S3:Bucket"] = name,
            ["DataGuard:Storage:S3:ServiceUrl"] = endpoint,
            ["DataGuard:Storage:S3:AccessKeyId"] = accessKey,
            ["DataGuard:Storage:S3:SecretAccessKey"] = secretKey,
            ["DataGuard:Storage:S3:ForcePathStyle"] = "true",
        };
    }

    public string Name { get; }

    public Dictionary<string, string?> Configuration { get; }

    public static async Task<TestBucket> CreateAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ENDPOINT");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            throw new InvalidOperationException("DATAGUARD_TEST_S3_ENDPOINT is not set: run the tests with scripts/test.sh, which starts a throwaway s3rver.");
        }

        var accessKey = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ACCESS_KEY") ?? "S3RVER";
        var secretKey = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_SECRET_KEY") ?? "S3RVER";
        var client = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        var name = $"dg-web-{Guid.NewGuid():N}"[..30];
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return new TestBucket(client, name, endpoint, accessKey, secretKey);
    }

    public void Dispose() => _client.Dispose();
}
