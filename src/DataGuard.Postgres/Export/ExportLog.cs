using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Export;

/// <summary>Export log messages (event ids 1500-1519). Subjects' keys are not logged, only job ids.</summary>
internal static partial class ExportLog
{
    [LoggerMessage(1500, LogLevel.Information, "Export {JobId} is ready (attempt {Attempt})")]
    public static partial void Ready(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(1501, LogLevel.Warning, "Export {JobId} failed on attempt {Attempt}: {Reason}")]
    public static partial void Failed(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(1502, LogLevel.Warning, "Export {JobId} was taken over by another worker; this worker's artifacts were deleted")]
    public static partial void LostClaim(ILogger logger, Guid jobId);

    [LoggerMessage(1503, LogLevel.Information, "Export {JobId} expired; {Objects} artifacts deleted")]
    public static partial void Expired(ILogger logger, Guid jobId, int objects);

    [LoggerMessage(1504, LogLevel.Error, "The export worker's pass failed")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(1505, LogLevel.Warning, "Export {JobId}: the files of failed attempt {Attempt} could not be deleted now ({Reason}); the next cleanup sweeps them")]
    public static partial void LeftoverKept(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(1506, LogLevel.Information, "Export cleanup deleted {Objects} leftover objects (failed or abandoned attempts, vanished jobs)")]
    public static partial void Swept(ILogger logger, int objects);
}
