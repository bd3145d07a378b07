using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.IO;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.S3;

/// <summary>
/// One write of a stream of unknown length: a single PUT when it fits in one part, else a multipart upload with at
/// most <see cref="S3StorageOptions.MaxConcurrentParts"/> parts in flight, each in a pooled buffer. Every part but the
/// last has the same size (Cloudflare R2 requires it), so an object holds at most <paramref name="maxParts"/> times
/// <see cref="S3StorageOptions.PartSize"/> bytes. Chunked payload encoding is off (S3-compatible servers store its
/// framing inside the object). A failed or cancelled upload is aborted.
/// </summary>
internal sealed class S3StreamUpload(IAmazonS3 client, S3StorageOptions options, string bucket, string fullKey, StorageWriteOptions writeOptions, ILogger logger, int maxParts = S3StreamUpload.S3MaxParts) : IDisposable
{
    /// <summary>The most parts S3 accepts in one upload.</summary>
    public const int S3MaxParts = 10_000;

    // One buffer filling while MaxConcurrentParts upload.
    private readonly PartBufferPool _buffers = new(options.PartSize, options.MaxConcurrentParts + 1);

    /// <summary>Gets the most bytes of part buffers this upload held at once.</summary>
    public long PeakBufferBytes => _buffers.PeakBytes;

    /// <summary>Frees the part buffers; call it once <see cref="RunAsync"/> has returned.</summary>
    public void Dispose() => _buffers.Dispose();

    public async Task<StorageWriteResult> RunAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        using var source = new HashingReadStream(content);
        var partSize = options.PartSize;
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
            BucketName = bucket,
            Key = fullKey,
            InputStream = body,
            AutoCloseStream = false,
            UseChunkEncoding = false,
            ContentType = writeOptions.ContentType ?? "application/octet-stream",
        };
        if (writeOptions.WriteOnce)
        {
            request.IfNoneMatch = "*";
        }

        ApplyServerSide(request);
        await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadMultipartAsync(HashingReadStream source, NativeBuffer firstBuffer, int firstLength, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = bucket,
            Key = fullKey,
            ContentType = writeOptions.ContentType ?? "application/octet-stream",
        };
        ApplyServerSide(initiate);
        string uploadId;
        try
        {
            uploadId = (await client.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        }
        catch
        {
            _buffers.Return(firstBuffer);
            throw;
        }

        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(options.MaxConcurrentParts);
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
                if (length < options.PartSize)
                {
                    break;
                }

                partNumber++;
                buffer = _buffers.Rent();
                length = await source.FillAsync(buffer.Memory[..options.PartSize], failed.Token).ConfigureAwait(false);
                if (length == 0)
                {
                    _buffers.Return(buffer);
                    break;
                }

                if (partNumber > maxParts)
                {
                    _buffers.Return(buffer);
                    throw new InvalidOperationException(
                        $"the object is larger than {maxParts} parts of {options.PartSize} bytes ({(long)maxParts * options.PartSize / (1024 * 1024)} MiB): S3 accepts at most {S3MaxParts} parts in one upload; raise {S3StorageOptions.SectionPath}:PartSize (the largest object is {S3MaxParts} x PartSize).");
                }
            }

            var parts = await Task.WhenAll(uploads).ConfigureAwait(false);
            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = [.. parts.OrderBy(p => p.PartNumber)],
            };
            if (writeOptions.WriteOnce)
            {
                complete.IfNoneMatch = "*";
            }

            await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
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

    private async Task<PartETag> UploadPartAsync(string uploadId, int partNumber, NativeBuffer buffer, int length, SemaphoreSlim slots, CancellationTokenSource failed)
    {
        try
        {
            using var body = buffer.OpenRead(length);
            var request = new UploadPartRequest
            {
                BucketName = bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartNumber = partNumber,
                PartSize = length,
                InputStream = body,
                UseChunkEncoding = false,
            };
            var response = await client.UploadPartAsync(request, failed.Token).ConfigureAwait(false);
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
            await client.AbortMultipartUploadAsync(bucket, fullKey, uploadId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StorageLog.AbortMultipartFailed(logger, fullKey, ex.Message);
        }
    }

    private void ApplyServerSide(PutObjectRequest request)
    {
        if (!string.IsNullOrEmpty(options.ServerSideEncryption))
        {
            request.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(options.ServerSideEncryption);
            request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
        }

        if (!string.IsNullOrEmpty(options.StorageClass))
        {
            request.StorageClass = new S3StorageClass(options.StorageClass);
        }
    }

    private void ApplyServerSide(InitiateMultipartUploadRequest request)
    {
        if (!string.IsNullOrEmpty(options.ServerSideEncryption))
        {
            request.ServerSideEncryptionMethod = new ServerSideEncryptionMethod(options.ServerSideEncryption);
            request.ServerSideEncryptionKeyManagementServiceKeyId = options.KmsKeyId;
        }

        if (!string.IsNullOrEmpty(options.StorageClass))
        {
            request.StorageClass = new S3StorageClass(options.StorageClass);
        }
    }
}
