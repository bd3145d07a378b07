using DataGuard.Storage;
using Microsoft.Extensions.Options;

namespace DataGuard.S3.Tests;

/// <summary>The S3 options are checked at start-up, each failure naming its option's full path; a secret is never echoed.</summary>
public sealed class S3StorageOptionsValidatorTests
{
    [Fact]
    public void A_bucket_is_enough()
    {
        Assert.True(Validate(new S3StorageOptions { Bucket = "backups" }).Succeeded);
    }

    [Fact]
    public void Nothing_is_checked_when_another_provider_is_chosen()
    {
        var result = new S3StorageOptionsValidator(Options.Create(new StorageOptions { Provider = "FileSystem" })).Validate(null, new S3StorageOptions());
        Assert.True(result.Skipped);
    }

    [Theory]
    [InlineData(nameof(S3StorageOptions.Bucket), null, "DataGuard:Storage:S3:Bucket is required.")]
    [InlineData(nameof(S3StorageOptions.ServiceUrl), "ftp://minio:9000", "DataGuard:Storage:S3:ServiceUrl 'ftp://minio:9000' must be an absolute http:// or https:// URL.")]
    [InlineData(nameof(S3StorageOptions.ServiceUrl), "minio:9000", "must be an absolute http:// or https:// URL")]
    [InlineData(nameof(S3StorageOptions.PartSize), 1048576, "DataGuard:Storage:S3:PartSize must be at least 5242880 bytes")]
    [InlineData(nameof(S3StorageOptions.MaxConcurrentParts), 0, "DataGuard:Storage:S3:MaxConcurrentParts must be between 1 and 64 (is 0).")]
    [InlineData(nameof(S3StorageOptions.MaxConcurrentParts), 65, "(is 65)")]
    [InlineData(nameof(S3StorageOptions.ServerSideEncryption), "aes256", "DataGuard:Storage:S3:ServerSideEncryption must be empty, AES256 or aws:kms (is 'aes256').")]
    [InlineData(nameof(S3StorageOptions.KmsKeyId), "key-1", "DataGuard:Storage:S3:KmsKeyId is set but DataGuard:Storage:S3:ServerSideEncryption is not aws:kms.")]
    [InlineData(nameof(S3StorageOptions.MaxRetries), 21, "DataGuard:Storage:S3:MaxRetries must be between 0 and 20 (is 21).")]
    [InlineData(nameof(S3StorageOptions.Prefix), "prod/../app", "DataGuard:Storage:S3:Prefix:")]
    public void Each_bad_value_fails_naming_its_option(string option, object? value, string expected)
    {
        var options = new S3StorageOptions { Bucket = "backups" };
        typeof(S3StorageOptions).GetProperty(option)!.SetValue(options, value);
        var result = Validate(options);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_request_timeout_fails()
    {
        var result = Validate(new S3StorageOptions { Bucket = "backups", RequestTimeout = TimeSpan.Zero });
        Assert.Contains("DataGuard:Storage:S3:RequestTimeout must be positive.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AKIAEXAMPLE", null)]
    [InlineData(null, "very-secret-value-42")]
    public void Keys_come_in_pairs_and_the_secret_is_never_echoed(string? accessKeyId, string? secret)
    {
        var result = Validate(new S3StorageOptions { Bucket = "backups", AccessKeyId = accessKeyId, SecretAccessKey = secret });
        Assert.Contains("AccessKeyId and DataGuard:Storage:S3:SecretAccessKey must be set together", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value-42", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_failure_is_reported_at_once()
    {
        var result = Validate(new S3StorageOptions { PartSize = 1, MaxRetries = -1 });
        Assert.Equal(3, result.Failures!.Count());
    }

    private static ValidateOptionsResult Validate(S3StorageOptions options) =>
        new S3StorageOptionsValidator(Options.Create(new StorageOptions { Provider = "S3" })).Validate(null, options);
}
