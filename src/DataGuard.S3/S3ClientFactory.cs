using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace DataGuard.S3;

/// <summary>Builds the <see cref="IAmazonS3"/> client DataGuard uses when the host registered none.</summary>
internal static class S3ClientFactory
{
    /// <summary>Builds a client from options, with the settings S3-compatible servers need when <see cref="S3StorageOptions.ServiceUrl"/> is set.</summary>
    /// <param name="options">The S3 options.</param>
    /// <returns>A client; the caller owns it.</returns>
    public static AmazonS3Client Create(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = options.RequestTimeout,

            // How much of a request body HttpClient reads at a time: 128 KiB instead of the SDK's 8 KiB, so a 8 MiB part
            // takes 64 reads (each allocating a task in the SDK's wrapper streams) instead of 1,024.
            BufferSize = 128 * 1024,
        };
        if (!string.IsNullOrEmpty(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.ForcePathStyle = options.ForcePathStyle ?? true;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            config.ForcePathStyle = options.ForcePathStyle ?? false;
            config.RegionEndpoint = string.IsNullOrEmpty(options.Region)
                ? FallbackRegionFactory.GetRegionEndpoint() ?? RegionEndpoint.USEast1
                : RegionEndpoint.GetBySystemName(options.Region);
        }

        config.EndpointProvider = new CachingEndpointProvider(config.EndpointProvider);
        return string.IsNullOrEmpty(options.AccessKeyId)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config);
    }
}
