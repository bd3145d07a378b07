using System.Net;
using Amazon.S3;
using DataGuard.Storage;

namespace DataGuard.S3;

/// <summary>Turns SDK exceptions into DataGuard storage exceptions that name the endpoint and key, never credentials.</summary>
internal static class S3Errors
{
    /// <summary>Whether the object does not exist. A missing bucket (also a 404) is a configuration fault, not a missing object.</summary>
    public static bool IsNotFound(AmazonS3Exception exception) =>
        exception.ErrorCode is not "NoSuchBucket" && (exception.StatusCode == HttpStatusCode.NotFound || exception.ErrorCode is "NoSuchKey" or "NotFound");

    public static bool IsPreconditionFailed(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.PreconditionFailed || exception.ErrorCode is "PreconditionFailed" or "ConditionalRequestConflict";

    public static bool IsUnsupported(AmazonS3Exception exception) =>
        exception.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented or HttpStatusCode.InternalServerError
        || exception.ErrorCode is "NotImplemented" or "MethodNotAllowed";

    public static StorageException Wrap(Exception exception, string operation, string key, string location)
    {
        var detail = exception switch
        {
            AmazonS3Exception s3 when !string.IsNullOrEmpty(s3.ErrorCode) => $"{(int)s3.StatusCode} {s3.ErrorCode}: {s3.Message}",
            _ when IsTimeout(exception) => $"timed out (no answer within the request timeout, {S3StorageOptions.SectionPath}:RequestTimeout)",
            _ => Innermost(exception).Message,
        };
        return new StorageException($"S3 {operation} of '{key}' at {location} failed: {detail}", exception)
        {
            Key = key,
            Location = location,
            Operation = $"storage.{operation}",
        };
    }

    /// <summary>The SDK reports its request timeout as a cancellation or a timeout somewhere in the chain, the socket's own error innermost.</summary>
    private static bool IsTimeout(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }
}
