using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>Log messages of the dashboard (event ids 1900-1999).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(DataGuardEventIds.AspNetCoreDashboardAnonymous, LogLevel.Warning, "The DataGuard dashboard at {Path} is served WITHOUT authorization (DataGuard:Dashboard:AllowAnonymous in the Development environment). Never do this on a reachable host.")]
    public static partial void Anonymous(ILogger logger, string path);

    [LoggerMessage(DataGuardEventIds.AspNetCoreDashboardAnonymousIgnored, LogLevel.Warning, "DataGuard:Dashboard:AllowAnonymous is ignored in the {Environment} environment (Development only): the dashboard at {Path} requires its authorization policy.")]
    public static partial void AnonymousIgnored(ILogger logger, string environment, string path);

    [LoggerMessage(DataGuardEventIds.AspNetCoreDashboardPartFailed, LogLevel.Warning, "The dashboard's {Part} data cannot be read: {Reason}")]
    public static partial void PartFailed(ILogger logger, string part, string reason, Exception exception);
}
