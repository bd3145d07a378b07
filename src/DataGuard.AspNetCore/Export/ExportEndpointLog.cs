using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Export;

/// <summary>Log messages of the export endpoints (event ids 1900-1999). Subjects' keys are not logged.</summary>
internal static partial class ExportEndpointLog
{
    [LoggerMessage(DataGuardEventIds.AspNetCoreExportEndpointFailed, LogLevel.Warning, "Export endpoint {Endpoint} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string endpoint, string reason, Exception exception);
}
