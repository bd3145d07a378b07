using System.Net;
using Amazon.S3;
using DataGuard.Storage;

namespace DataGuard.S3;

/// <summary>Turns SDK exceptions into DataGuard storage exceptions that name the endpoint and key, never credentials.</summary>
internal static class S3Errors
{
    public static bool IsNotFound(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.NotFound || exception.ErrorCode is "NoSuchKey" or "NotFound";

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
            _ => Innermost(exception).Message,
        };
        return new StorageException($"S3 {operation} of '{key}' at {location} failed: {detail}", exception)
        {
            Key = key,
            Location = location,
            Operation = $"storage.{operation}",
        };
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
