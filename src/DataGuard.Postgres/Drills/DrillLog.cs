using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Drills;

/// <summary>Drill log messages (event ids: <see cref="DataGuardEventIds"/>, 1600-1699).</summary>
internal static partial class DrillLog
{
    [LoggerMessage(DataGuardEventIds.DrillFinished, LogLevel.Information, "Restore drill {DrillId} finished: passed {Passed}, backup {BackupId}, RTO {RtoSeconds:F1} s, RPO {RpoSeconds:F0} s")]
    public static partial void Finished(ILogger logger, string drillId, bool passed, string backupId, double rtoSeconds, double rpoSeconds);

    [LoggerMessage(DataGuardEventIds.DrillScheduledFailed, LogLevel.Error, "Scheduled restore drill for {Slot} failed")]
    public static partial void ScheduledFailed(ILogger logger, DateTimeOffset slot, Exception exception);
}
