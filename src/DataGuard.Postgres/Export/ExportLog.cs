using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Export;

/// <summary>Export log messages (event ids: <see cref="DataGuardEventIds"/>, 1500-1599). Subjects' keys are not logged, only job ids.</summary>
internal static partial class ExportLog
{
    [LoggerMessage(DataGuardEventIds.ExportReady, LogLevel.Information, "Export {JobId} is ready (attempt {Attempt})")]
    public static partial void Ready(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(DataGuardEventIds.ExportFailed, LogLevel.Warning, "Export {JobId} failed on attempt {Attempt}: {Reason}")]
    public static partial void Failed(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(DataGuardEventIds.ExportLostClaim, LogLevel.Warning, "Export {JobId} was taken over by another worker; this worker's artifacts were deleted")]
    public static partial void LostClaim(ILogger logger, Guid jobId);

    [LoggerMessage(DataGuardEventIds.ExportExpired, LogLevel.Information, "Export {JobId} expired; {Objects} artifacts deleted")]
    public static partial void Expired(ILogger logger, Guid jobId, int objects);

    [LoggerMessage(DataGuardEventIds.ExportPassFailed, LogLevel.Error, "The export worker's pass failed")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(DataGuardEventIds.ExportLeftoverKept, LogLevel.Warning, "Export {JobId}: the files of failed attempt {Attempt} could not be deleted now ({Reason}); the next cleanup sweeps them")]
    public static partial void LeftoverKept(ILogger logger, Guid jobId, int attempt, string reason);

    [LoggerMessage(DataGuardEventIds.ExportArtifactWarning, LogLevel.Warning, "Export {JobId}: the {Format} file could not show everything: {Warning}")]
    public static partial void ArtifactWarning(ILogger logger, Guid jobId, string format, string warning);

    [LoggerMessage(DataGuardEventIds.ExportSwept, LogLevel.Information, "Export cleanup deleted {Objects} leftover objects (failed or abandoned attempts, vanished jobs)")]
    public static partial void Swept(ILogger logger, int objects);

    [LoggerMessage(DataGuardEventIds.ExportHeartbeatFailed, LogLevel.Warning, "Export {JobId}: a heartbeat failed ({Reason}); the next one tries again")]
    public static partial void HeartbeatFailed(ILogger logger, Guid jobId, string reason);
}
