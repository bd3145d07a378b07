using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.S3;

/// <summary>
/// Keeps objects in an S3 bucket (or an S3-compatible server) under an optional prefix. Streams of any length
/// are written with multipart uploads of bounded memory; an object appears only once its upload is complete.
/// </summary>
internal sealed partial class S3BackupStorage : IBackupStorage, IDisposable
{
    private const int DeleteBatchSize = 1000;
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3StorageOptions _options;
    private readonly ILogger<S3BackupStorage> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly bool _plainHttp;
    private volatile bool _batchDeleteRefused;

    /// <summary>Initializes a new instance of the <see cref="S3BackupStorage"/> class.</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="ownsClient">Whether disposing this storage disposes the client.</param>
    /// <param name="options">The S3 options.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="timeProvider">The clock. Presigned links are measured from the S3 SDK's own skew-corrected clock instead, which is the one S3 checks them against.</param>
    public S3BackupStorage(IAmazonS3 client, bool ownsClient, S3StorageOptions options, ILogger<S3BackupStorage> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _bucket = options.Bucket ?? throw new DataGuardException($"{S3StorageOptions.SectionPath}:Bucket is required.") { Operation = "storage.configure" };
        var prefix = (options.Prefix ?? string.Empty).Trim('/');
        _prefix = prefix.Length == 0 ? string.Empty : prefix + "/";
        _plainHttp = options.ServiceUrl?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true;
        var endpoint = string.IsNullOrEmpty(options.ServiceUrl) ? string.Empty : $" at {WithoutUserInfo(options.ServiceUrl)}";
        Location = $"s3://{_bucket}/{_prefix}{endpoint}";
    }

    /// <summary>
    /// The endpoint without a user name and password (<c>https://key:secret@host/</c>): Location goes into every storage
    /// error, and errors reach logs and the world-readable error files of look-ahead WAL archiving.
    /// </summary>
    /// <param name="serviceUrl">The configured endpoint.</param>
    /// <returns>The endpoint, any credentials in it replaced by <c>***</c>.</returns>
    internal static string WithoutUserInfo(string serviceUrl) =>
        Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url) && url.UserInfo.Length > 0
            ? new UriBuilder(url) { UserName = "***", Password = string.Empty }.Uri.ToString()
            : serviceUrl;

    /// <inheritdoc />
    public string ProviderName => S3StorageOptions.ProviderName;

    /// <summary>Gets or sets the most parts one upload may have: S3's 10,000 (tests lower it).</summary>
    internal int MaxParts { get; set; } = S3StreamUpload.S3MaxParts;

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var write = options ?? StorageWriteOptions.Default;
        return await StorageActivity.TraceWriteAsync(ProviderName, key, write, () => WriteCoreAsync(key, content, write, cancellationToken), a => a.SetTag("aws.s3.bucket", _bucket)).ConfigureAwait(false);
    }

    private async Task<StorageWriteResult> WriteCoreAsync(string key, Stream content, StorageWriteOptions options, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        if (options.WriteOnce && await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw StorageObjectAlreadyExistsException.For(key, Location);
        }

        using var upload = new S3StreamUpload(_client, _options, _bucket, fullKey, options, _logger, MaxParts);
        StorageWriteResult result;
        try
        {
            result = await upload.RunAsync(key, content, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (options.WriteOnce && S3Errors.IsPreconditionFailed(ex))
        {
            throw StorageObjectAlreadyExistsException.For(key, Location, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
        {
            throw S3Errors.Wrap(ex, "write", key, Location);
        }

        StorageLog.ObjectWritten(_logger, ProviderName, key, result.Size);
        return result;
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default)
    {
        range?.Validate();
        using var activity = StorageActivity.StartRead(ProviderName, key, range);
        activity?.SetTag("aws.s3.bucket", _bucket);
        try
        {
            return await OpenReadCoreAsync(key, range, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<Stream> OpenReadCoreAsync(string key, StorageByteRange? range, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = FullKey(key) };
        if (range is not null)
        {
            var end = range.Length is { } length ? range.Offset + length - 1 : long.MaxValue;
            request.ByteRange = end == long.MaxValue ? new ByteRange($"bytes={range.Offset}-") : new ByteRange(range.Offset, end);
        }

        try
        {
            var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            throw StorageObjectNotFoundException.For(key, Location, ex);
        }
        catch (AmazonS3Exception ex) when (range is not null && ex.StatusCode == System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return new MemoryStream([], writable: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
        {
            throw S3Errors.Wrap(ex, "read", key, Location);
        }
    }

    /// <inheritdoc />
    public async Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _client.GetObjectMetadataAsync(_bucket, FullKey(key), cancellationToken).ConfigureAwait(false);
            return new StorageObjectInfo(key, response.ContentLength, ToOffset(response.LastModified));
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
        {
            throw S3Errors.Wrap(ex, "head", key, Location);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix, MaxKeys = 1000 };
        while (true)
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
            {
                throw S3Errors.Wrap(ex, "list", prefix, Location);
            }

            foreach (var item in response.S3Objects ?? [])
            {
                if (item.Key.StartsWith(_prefix, StringComparison.Ordinal))
                {
                    yield return new StorageObjectInfo(item.Key[_prefix.Length..], item.Size ?? 0, ToOffset(item.LastModified));
                }
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.DeleteObjectAsync(_bucket, FullKey(key), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
        {
            throw S3Errors.Wrap(ex, "delete", key, Location);
        }

        StorageLog.ObjectDeleted(_logger, ProviderName, key);
        return true;
    }

    /// <inheritdoc />
    public async Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.Select(StorageKeys.Validate).ToList();
        foreach (var batch in list.Chunk(DeleteBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = _batchDeleteRefused ? batch : await TryBatchDeleteAsync(batch, cancellationToken).ConfigureAwait(false);
            foreach (var key in remaining)
            {
                await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            }
        }

        return list.Count;
    }

    /// <inheritdoc />
    public async Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        if (await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw StorageObjectNotFoundException.For(key, Location);
        }

        var request = new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = FullKey(key),
            Verb = HttpVerb.GET,
            Protocol = _plainHttp ? Protocol.HTTP : Protocol.HTTPS,
        };

        // The expiry is measured from the SDK's own skew-corrected clock for this endpoint, not from ours: measured
        // from a clock even a second apart, a 7-day link is past SigV4's limit and the SDK silently signs an old-style
        // SigV2 link (us-east-1) or throws (every other region).
        var endpoint = _client.Config.DetermineServiceOperationEndpoint(new ServiceOperationEndpointParameters(request)).URL;
        request.Expires = CorrectClockSkew.GetCorrectedUtcNowForEndpoint(endpoint).Add(lifetime);
        return new Uri(await _client.GetPreSignedURLAsync(request).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static DateTimeOffset ToOffset(DateTime? value) =>
        value is { } time ? new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;

    private string FullKey(string key) => _prefix + StorageKeys.Validate(key);

    private async Task<IReadOnlyList<string>> TryBatchDeleteAsync(string[] batch, CancellationToken cancellationToken)
    {
        var request = new DeleteObjectsRequest
        {
            BucketName = _bucket,
            Quiet = true,
            Objects = [.. batch.Select(key => new KeyVersion { Key = FullKey(key) })],
        };
        try
        {
            var response = await _client.DeleteObjectsAsync(request, cancellationToken).ConfigureAwait(false);
            return [.. (response.DeleteErrors ?? []).Select(error => error.Key[_prefix.Length..])];
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsUnsupported(ex))
        {
            _batchDeleteRefused = true;
            StorageLog.BatchDeleteFallback(_logger, $"{(int)ex.StatusCode} {ex.ErrorCode}");
            return batch;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StorageException)
        {
            throw S3Errors.Wrap(ex, "delete", batch[0], Location);
        }
    }
}
