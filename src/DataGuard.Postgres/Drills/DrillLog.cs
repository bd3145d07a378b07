using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Drills;

/// <summary>Drill log messages (event ids 1600-1619).</summary>
internal static partial class DrillLog
{
    [LoggerMessage(1600, LogLevel.Information, "Restore drill {DrillId} finished: passed {Passed}, backup {BackupId}, RTO {RtoSeconds:F1} s, RPO {RpoSeconds:F0} s")]
    public static partial void Finished(ILogger logger, string drillId, bool passed, string backupId, double rtoSeconds, double rpoSeconds);

    [LoggerMessage(1601, LogLevel.Error, "Scheduled restore drill for {Slot} failed")]
    public static partial void ScheduledFailed(ILogger logger, DateTimeOffset slot, Exception exception);
}
