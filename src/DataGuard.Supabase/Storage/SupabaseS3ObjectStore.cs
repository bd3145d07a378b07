using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging;

namespace DataGuard.Supabase.Storage;

/// <summary>
/// Storage through the project's S3-compatible endpoint (<c>https://&lt;ref&gt;.storage.supabase.co/storage/v1/s3</c>,
/// path-style, signed with the project's region and its S3 access keys): ListBuckets, ListObjectsV2, GetObject, and for
/// restores the multipart upload of DataGuard's S3 storage (no chunked payloads, which S3-compatible servers mishandle).
/// </summary>
internal sealed class SupabaseS3ObjectStore : ISupabaseObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly S3StorageOptions _s3;
    private readonly ILogger _logger;

    public SupabaseS3ObjectStore(SupabaseStorageOptions options, ILogger logger)
    {
        _s3 = new S3StorageOptions
        {
            ServiceUrl = options.Endpoint,
            ForcePathStyle = true,
            Region = options.Region ?? "us-east-1",
            AccessKeyId = options.AccessKeyId,
            SecretAccessKey = options.SecretAccessKey,
            PartSize = 8 * 1024 * 1024,
            MaxConcurrentParts = 2,
            MaxRetries = 3,
        };
        _client = S3ClientFactory.Create(_s3);
        _logger = logger;
        Describe = $"S3 endpoint {options.Endpoint}";
    }

    public string Describe { get; }

    public async Task<IReadOnlyList<string>> ListBucketsAsync(CancellationToken cancellationToken)
    {
        var response = await _client.ListBucketsAsync(new ListBucketsRequest(), cancellationToken).ConfigureAwait(false);
        return (response.Buckets ?? []).Select(b => b.BucketName).Order(StringComparer.Ordinal).ToList();
    }

    public async IAsyncEnumerable<SupabaseObject> ListAsync(string bucket, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var response = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new SupabaseObject(bucket, item.Key, item.Size ?? 0, (item.ETag ?? string.Empty).Trim('"'), null);
            }

            token = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async Task<Stream> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken)
    {
        var response = await _client.GetObjectAsync(bucket, name, cancellationToken).ConfigureAwait(false);
        return response.ResponseStream;
    }

    public async Task WriteAsync(string bucket, string name, Stream content, long size, string? contentType, CancellationToken cancellationToken)
    {
        using var upload = new S3StreamUpload(_client, _s3, bucket, name, new StorageWriteOptions { ContentType = contentType, ExpectedLength = size }, _logger, partSizeSetting: null);
        await upload.RunAsync(name, content, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client.Dispose();
}
