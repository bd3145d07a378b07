using Amazon.Runtime;

namespace DataGuard.S3.Tests;

/// <summary>The client settings S3-compatible servers need (path style, checksums only when required) and AWS keeps.</summary>
public sealed class S3ClientFactoryTests
{
    [Fact]
    public void A_service_url_means_an_S3_compatible_server_path_style_and_checksums_only_when_required()
    {
        using var client = S3ClientFactory.Create(new S3StorageOptions { Bucket = "b", ServiceUrl = "http://127.0.0.1:9000", MaxRetries = 7, RequestTimeout = TimeSpan.FromSeconds(20) });
        var config = (Amazon.S3.AmazonS3Config)client.Config;
        Assert.True(config.ForcePathStyle);
        Assert.Equal("us-east-1", config.AuthenticationRegion);
        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_REQUIRED, config.ResponseChecksumValidation);
        Assert.Equal(7, config.MaxErrorRetry);
        Assert.Equal(TimeSpan.FromSeconds(20), config.Timeout);
        Assert.Equal(RequestRetryMode.Standard, config.RetryMode);
    }

    [Fact]
    public void Request_bodies_are_read_in_128_KiB_pieces_not_the_SDKs_8_KiB()
    {
        // Each read of a body allocated a task in the SDK's wrapper streams: 1,024 per 8 MiB part with 8 KiB reads.
        using var client = S3ClientFactory.Create(new S3StorageOptions { Bucket = "b", ServiceUrl = "http://127.0.0.1:9000" });
        Assert.Equal(128 * 1024, client.Config.BufferSize);
    }

    [Fact]
    public void Path_style_can_be_turned_off_for_a_compatible_server_and_on_for_AWS()
    {
        using var compatible = S3ClientFactory.Create(new S3StorageOptions { Bucket = "b", ServiceUrl = "https://s3.example.com", ForcePathStyle = false, Region = "eu-central-1" });
        Assert.False(((Amazon.S3.AmazonS3Config)compatible.Config).ForcePathStyle);
        Assert.Equal("eu-central-1", compatible.Config.AuthenticationRegion);

        using var aws = S3ClientFactory.Create(new S3StorageOptions { Bucket = "b", Region = "eu-west-1" });
        Assert.False(((Amazon.S3.AmazonS3Config)aws.Config).ForcePathStyle);
        Assert.Equal("eu-west-1", aws.Config.RegionEndpoint.SystemName);
    }
}
