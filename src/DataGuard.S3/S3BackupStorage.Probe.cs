using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using DataGuard.Storage;
using DataGuard.Telemetry;

namespace DataGuard.S3;

/// <content>The capability probe used by <c>dataguard doctor</c>.</content>
internal sealed partial class S3BackupStorage
{
    /// <inheritdoc />
    public async Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var key = StorageProbe.NewKey(_timeProvider);
        var steps = await StorageProbe.RunBasicStepsAsync(this, key, cancellationToken).ConfigureAwait(false);
        if (steps.All(step => step.Succeeded))
        {
            steps.Add(await ProbeConditionalWriteAsync(key + "-conditional", cancellationToken).ConfigureAwait(false));
            steps.Add(await ProbeBatchDeleteAsync(key, cancellationToken).ConfigureAwait(false));
            steps.Add(await ProbeAbortMultipartAsync(key + "-multipart", cancellationToken).ConfigureAwait(false));
        }

        return new StorageProbeResult(Location, steps);
    }

    private async Task<StorageProbeStep> ProbeConditionalWriteAsync(string key, CancellationToken cancellationToken)
    {
        const string name = "conditional-write";
        try
        {
            await PutRawAsync(key, ifNoneMatch: false, cancellationToken).ConfigureAwait(false);
            try
            {
                await PutRawAsync(key, ifNoneMatch: true, cancellationToken).ConfigureAwait(false);
                StorageLog.ConditionalWriteUnsupported(_logger, Location);
                return new StorageProbeStep(name, false, true, "If-None-Match ignored: write-once falls back to check-then-write (racy)");
            }
            catch (AmazonS3Exception ex) when (S3Errors.IsPreconditionFailed(ex))
            {
                return new StorageProbeStep(name, true, true, "If-None-Match honoured: write-once is exact");
            }
        }
        catch (AmazonS3Exception ex)
        {
            return new StorageProbeStep(name, false, true, $"{(int)ex.StatusCode} {ex.ErrorCode}");
        }
        finally
        {
            await DeleteQuietlyAsync(key).ConfigureAwait(false);
        }
    }

    private async Task<StorageProbeStep> ProbeBatchDeleteAsync(string key, CancellationToken cancellationToken)
    {
        const string name = "batch-delete";
        var keys = new[] { key + "-batch-a", key + "-batch-b" };
        try
        {
            foreach (var k in keys)
            {
                await PutRawAsync(k, ifNoneMatch: false, cancellationToken).ConfigureAwait(false);
            }

            var response = await _client.DeleteObjectsAsync(
                new DeleteObjectsRequest { BucketName = _bucket, Objects = [.. keys.Select(k => new KeyVersion { Key = FullKey(k) })] },
                cancellationToken).ConfigureAwait(false);
            return (response.DeleteErrors?.Count ?? 0) == 0
                ? new StorageProbeStep(name, true, true, "DeleteObjects works")
                : new StorageProbeStep(name, false, true, $"DeleteObjects reported {response.DeleteErrors!.Count} errors; single deletes are used");
        }
        catch (AmazonS3Exception ex)
        {
            return new StorageProbeStep(name, false, true, $"DeleteObjects refused ({(int)ex.StatusCode} {ex.ErrorCode}); single deletes are used");
        }
        finally
        {
            foreach (var k in keys)
            {
                await DeleteQuietlyAsync(k).ConfigureAwait(false);
            }
        }
    }

    private async Task<StorageProbeStep> ProbeAbortMultipartAsync(string key, CancellationToken cancellationToken)
    {
        const string name = "abort-multipart";
        try
        {
            var upload = await _client.InitiateMultipartUploadAsync(_bucket, FullKey(key), cancellationToken).ConfigureAwait(false);
            await _client.AbortMultipartUploadAsync(_bucket, FullKey(key), upload.UploadId, cancellationToken).ConfigureAwait(false);
            return new StorageProbeStep(name, true, true, "failed uploads are aborted");
        }
        catch (AmazonS3Exception ex)
        {
            return new StorageProbeStep(name, false, true, $"AbortMultipartUpload refused ({(int)ex.StatusCode} {ex.ErrorCode}): parts of failed uploads stay until a lifecycle rule removes them");
        }
    }

    private async Task PutRawAsync(string key, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(Encoding.UTF8.GetBytes("dataguard probe"));
        var request = new PutObjectRequest { BucketName = _bucket, Key = FullKey(key), InputStream = body, UseChunkEncoding = false };
        if (ifNoneMatch)
        {
            request.IfNoneMatch = "*";
        }

        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await _client.DeleteObjectAsync(_bucket, FullKey(key), CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the probe's own leftovers.
        }
    }
}
