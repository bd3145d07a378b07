using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.IO;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.S3;

/// <summary>
/// One write of a stream of unknown length: a single PUT when it fits in one part, else a multipart upload with at
/// most <see cref="S3StorageOptions.MaxConcurrentParts"/> parts in flight (fewer when the parts are raised: see
/// <see cref="ChooseConcurrency"/>), each in a pooled buffer. Every part but the
/// last has the same size (Cloudflare R2 requires it), so an object holds at most 10,000 (S3's limit) times the
/// part size: <see cref="S3StorageOptions.PartSize"/>, or larger when <see cref="StorageWriteOptions.ExpectedLength"/>
/// says the object would not fit (see <see cref="ChoosePartSize"/>). Chunked payload encoding is off (S3-compatible
/// servers store its framing inside the object). A failed or cancelled upload is aborted.
/// </summary>
internal sealed class S3StreamUpload : IDisposable
{
    /// <summary>The most parts S3 accepts in one upload.</summary>
    public const int S3MaxParts = 10_000;

    /// <summary>The largest part this upload uses: 512 MiB, so that 10,000 parts hold S3's largest object (5 TiB).</summary>
    public const int MaximumPartSize = 512 * 1024 * 1024;

    private readonly IAmazonS3 _client;
    private readonly S3StorageOptions _options;
    private readonly string _bucket;
    private readonly string _fullKey;
    private readonly StorageWriteOptions _writeOptions;
    private readonly ILogger _logger;
    private readonly int _maxParts;
    private readonly string? _partSizeSetting;
    private readonly int _partSize;

    private readonly int _concurrency;

    // One buffer filling while _concurrency upload.
    private readonly PartBufferPool _buffers;

    /// <summary>Initializes a new instance of the <see cref="S3StreamUpload"/> class.</summary>
    /// <param name="client">The client.</param>
    /// <param name="options">Part size and concurrency (and server-side settings).</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="fullKey">The object's key in the bucket.</param>
    /// <param name="writeOptions">Write-once, content type, expected length.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="maxParts">The most parts of one upload (S3's 10,000; tests lower it).</param>
    /// <param name="partSizeSetting">The setting a user raises when an object does not fit; <see langword="null"/> where the part size is not configurable.</param>
    public S3StreamUpload(IAmazonS3 client, S3StorageOptions options, string bucket, string fullKey, StorageWriteOptions writeOptions, ILogger logger, int maxParts = S3MaxParts, string? partSizeSetting = S3StorageOptions.SectionPath + ":PartSize")
    {
        _client = client;
        _options = options;
        _bucket = bucket;
        _fullKey = fullKey;
        _writeOptions = writeOptions;
        _logger = logger;
        _maxParts = maxParts;
        _partSizeSetting = partSizeSetting;
        _partSize = ChoosePartSize(options.PartSize, writeOptions.ExpectedLength, maxParts);
        _concurrency = ChooseConcurrency(options.PartSize, options.MaxConcurrentParts, _partSize);
        _buffers = new PartBufferPool(_partSize, _concurrency + 1);
        if (_partSize != options.PartSize)
        {
            StorageLog.PartSizeRaised(logger, fullKey, writeOptions.ExpectedLength!.Value / (1024 * 1024), _partSize / (1024 * 1024), options.PartSize / (1024 * 1024), _concurrency, (long)(_concurrency + 1) * _partSize / (1024 * 1024));
        }
    }

    /// <summary>Gets the size of every part but the last.</summary>
    public int PartSize => _partSize;

    /// <summary>Gets how many parts upload at once.</summary>
    public int Concurrency => _concurrency;

    /// <summary>Gets the most bytes of part buffers this upload held at once.</summary>
    public long PeakBufferBytes => _buffers.PeakBytes;

    /// <summary>Frees the part buffers; call it once <see cref="RunAsync"/> has returned.</summary>
    public void Dispose() => _buffers.Dispose();

    /// <summary>
    /// Chooses how many parts upload at once: <paramref name="maxConcurrentParts"/> at the configured part size; with
    /// raised parts as many as keep the part buffers ((this + 1) x the part) within the configured ones ((MaxConcurrentParts
    /// + 1) x PartSize), but at least one, so that a large database's backup does not multiply the memory its
    /// configuration allows: at most two raised parts' worth beyond it.
    /// </summary>
    /// <param name="configuredPartSize">The configured part size.</param>
    /// <param name="maxConcurrentParts">The configured concurrency.</param>
    /// <param name="partSize">The part size chosen for this upload.</param>
    /// <returns>The concurrency.</returns>
    public static int ChooseConcurrency(int configuredPartSize, int maxConcurrentParts, int partSize)
    {
        if (partSize <= configuredPartSize)
        {
            return maxConcurrentParts;
        }

        var budget = (long)(maxConcurrentParts + 1) * configuredPartSize;
        return (int)Math.Clamp((budget / partSize) - 1, 1, maxConcurrentParts);
    }

    /// <summary>
    /// Chooses the part size: the configured one, unless an object of a quarter more than <paramref name="expectedLength"/>
    /// would need more than <paramref name="maxParts"/> parts of it; then the smallest whole number of MiB that holds it,
    /// at most <see cref="MaximumPartSize"/>. (The AWS CLI sizes the parts of a stream from its <c>--expected-size</c>
    /// alike; the headroom covers an estimate that is low, such as a database's size against its dump.)
    /// </summary>
    /// <param name="configured">The configured part size.</param>
    /// <param name="expectedLength">The expected length of the object, when known.</param>
    /// <param name="maxParts">The most parts of one upload.</param>
    /// <returns>The part size.</returns>
    public static int ChoosePartSize(int configured, long? expectedLength, int maxParts)
    {
        if (expectedLength is not > 0 || configured >= MaximumPartSize)
        {
            return configured;
        }

        const long MiB = 1024 * 1024;
        var room = Math.Min(expectedLength.Value, long.MaxValue / 2);
        room += room / 4;
        var wanted = (room / maxParts) + 1;
        if (wanted <= configured)
        {
            return configured;
        }

        return (int)Math.Min((wanted + MiB - 1) / MiB * MiB, MaximumPartSize);
    }

    public async Task<StorageWriteResult> RunAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        using var source = new HashingReadStream(content);
        var partSize = _partSize;
        var first = _buffers.Rent();
        try
        {
            var length = await source.FillAsync(first.Memory[..partSize], cancellationToken).ConfigureAwait(false);
            if (length < partSize)
            {
                await PutSingleAsync(first, length, cancellationToken).ConfigureAwait(false);
                return new StorageWriteResult(key, source.BytesRead, source.GetSha256Hex());
            }

            var buffer = first;
            first = null;
            await UploadMultipartAsync(source, buffer, length, cancellationToken).ConfigureAwait(false);
            return new StorageWriteResult(key, source.BytesRead, source.GetSha256Hex());
        }
        finally
        {
            if (first is not null)
            {
                _buffers.Return(first);
            }
        }
    }

    private async Task PutSingleAsync(NativeBuffer buffer, int length, CancellationToken cancellationToken)
    {
        using var body = buffer.OpenRead(length);
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _fullKey,
            InputStream = body,
            AutoCloseStream = false,
            UseChunkEncoding = false,
            ContentType = _writeOptions.ContentType ?? "application/octet-stream",
        };
        if (_writeOptions.WriteOnce)
        {
            request.IfNoneMatch = "*";
        }

        ApplyServerSide(request);
        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadMultipartAsync(HashingReadStream source, NativeBuffer firstBuffer, int firstLength, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = _fullKey,
            ContentType = _writeOptions.ContentType ?? "application/octet-stream",
        };
        ApplyServerSide(initiate);
        string uploadId;
        try
        {
            uploadId = (await _client.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        }
        catch
        {
            _buffers.Return(firstBuffer);
            throw;
        }

        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(_concurrency);
        var uploads = new List<Task<PartETag>>();
        try
        {
            var buffer = firstBuffer;
            var length = firstLength;
            var partNumber = 1;
            while (true)
            {
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                uploads.Add(UploadPartAsync(uploadId, partNumber, buffer, length, slots, failed));
                if (length < _partSize)
                {
                    break;
                }

                partNumber++;
                buffer = _buffers.Rent();
                length = await source.FillAsync(buffer.Memory[.._partSize], failed.Token).ConfigureAwait(false);
                if (length == 0)
                {
                    _buffers.Return(buffer);
                    break;
                }

                if (partNumber > _maxParts)
                {
                    _buffers.Return(buffer);
                    throw new InvalidOperationException(TooLarge());
                }
            }

            var parts = await Task.WhenAll(uploads).ConfigureAwait(false);
            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = _fullKey,
                UploadId = uploadId,
                PartETags = [.. parts.OrderBy(p => p.PartNumber)],
            };
            if (_writeOptions.WriteOnce)
            {
                complete.IfNoneMatch = "*";
            }

            await _client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await DrainAsync(uploads).ConfigureAwait(false);
            await AbortAsync(uploadId).ConfigureAwait(false);
            var failure = FirstRealFailure(uploads) ?? ex;
            if (failure is not OperationCanceledException || cancellationToken.IsCancellationRequested)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            throw;
        }
    }

    private string TooLarge()
    {
        var message = $"the object is larger than {_maxParts} parts of {_partSize} bytes ({(long)_maxParts * _partSize / (1024 * 1024)} MiB): S3 accepts at most {S3MaxParts} parts in one upload";
        if (_writeOptions.ExpectedLength is { } expected)
        {
            message += $" (it was expected to be about {expected / (1024 * 1024)} MiB)";
        }

        return _partSizeSetting is null || _partSize >= MaximumPartSize
            ? message + "."
            : message + $"; raise {_partSizeSetting} (the largest object is {S3MaxParts} x PartSize).";
    }

    private async Task<PartETag> UploadPartAsync(string uploadId, int partNumber, NativeBuffer buffer, int length, SemaphoreSlim slots, CancellationTokenSource failed)
    {
        try
        {
            using var body = buffer.OpenRead(length);
            var request = new UploadPartRequest
            {
                BucketName = _bucket,
                Key = _fullKey,
                UploadId = uploadId,
                PartNumber = partNumber,
                PartSize = length,
                InputStream = body,
                UseChunkEncoding = false,
            };
            var response = await _client.UploadPartAsync(request, failed.Token).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _buffers.Return(buffer);
            slots.Release();
        }
    }

    private static async Task DrainAsync(List<Task<PartETag>> uploads)
    {
        try
        {
            await Task.WhenAll(uploads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Their faults are read by FirstRealFailure.
        }
    }

    private static Exception? FirstRealFailure(List<Task<PartETag>> uploads) =>
        uploads.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);

    private async Task AbortAsync(string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(_bucket, _fullKey, uploadId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageLog.AbortMultipartFailed(_logger, _fullKey, ex.Message);
        }
    }

    private void ApplyServerSide(PutObjectRequest request)
    {
        if (!string.IsNullOrEmpty(_options.ServerSideEncryption))
        {
            request.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(_options.ServerSideEncryption);
            request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
        }

        if (!string.IsNullOrEmpty(_options.StorageClass))
        {
            request.StorageClass = new S3StorageClass(_options.StorageClass);
        }
    }

    private void ApplyServerSide(InitiateMultipartUploadRequest request)
    {
        if (!string.IsNullOrEmpty(_options.ServerSideEncryption))
        {
            request.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(_options.ServerSideEncryption);
            request.ServerSideEncryptionKeyManagementServiceKeyId = _options.KmsKeyId;
        }

        if (!string.IsNullOrEmpty(_options.StorageClass))
        {
            request.StorageClass = new S3StorageClass(_options.StorageClass);
        }
    }
}
