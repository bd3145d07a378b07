using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Retention;

/// <summary>Retention log messages (event ids 1400-1419).</summary>
internal static partial class RetentionLog
{
    [LoggerMessage(DataGuardEventIds.RetentionPolicyDone, LogLevel.Information, "Retention policy {Policy} ({Action}): {Rows} rows{DryRun}")]
    private static partial void PolicyDoneCore(ILogger logger, string policy, string action, long rows, string dryRun);

    [LoggerMessage(DataGuardEventIds.RetentionPolicyFailed, LogLevel.Error, "Retention policy {Policy} failed: {Reason}")]
    public static partial void PolicyFailed(ILogger logger, string policy, string reason);

    [LoggerMessage(DataGuardEventIds.RetentionValidated, LogLevel.Information, "Retention policies checked against the catalog: {Count}")]
    public static partial void Validated(ILogger logger, int count);

    [LoggerMessage(DataGuardEventIds.RetentionBatch, LogLevel.Debug, "Retention policy {Policy}: batch {Batch} committed, {Rows} rows so far, longest batch {LongestMs} ms")]
    public static partial void Batch(ILogger logger, string policy, int batch, long rows, long longestMs);

    [LoggerMessage(DataGuardEventIds.RetentionNotValidated, LogLevel.Warning, "Retention policies could not be checked against the catalog at start-up (the database is not reachable: {Reason}); they are checked again before each run")]
    public static partial void NotValidated(ILogger logger, string reason);

    public static void PolicyDone(ILogger logger, string policy, string action, long rows, bool dryRun) =>
        PolicyDoneCore(logger, policy, action, rows, dryRun ? " (dry run)" : string.Empty);
}
