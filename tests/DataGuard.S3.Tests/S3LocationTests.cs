using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.S3.Tests;

/// <summary>
/// The storage's Location goes into every storage error, and errors reach logs and the world-readable error files of
/// look-ahead WAL archiving: credentials written into the endpoint never appear in it.
/// </summary>
public sealed class S3LocationTests
{
    [Fact]
    public void Credentials_in_the_endpoint_never_reach_the_location()
    {
        var options = new S3StorageOptions { Bucket = "wal", ServiceUrl = "https://AKIAEXAMPLE:sup3rs3cret@minio.internal:9000" };
        using var client = new AmazonS3Client(new AnonymousAWSCredentials(), new AmazonS3Config { ServiceURL = "https://minio.internal:9000", ForcePathStyle = true });
        var storage = new S3BackupStorage(client, ownsClient: false, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);

        Assert.DoesNotContain("sup3rs3cret", storage.Location, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIAEXAMPLE", storage.Location, StringComparison.Ordinal);
        Assert.Contains("minio.internal:9000", storage.Location, StringComparison.Ordinal);
        Assert.Equal("http://127.0.0.1:4569", S3BackupStorage.WithoutUserInfo("http://127.0.0.1:4569"));
    }
}
