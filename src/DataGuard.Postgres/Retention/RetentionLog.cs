using Microsoft.Extensions.Logging;

namespace DataGuard.Postgres.Retention;

/// <summary>Retention log messages (event ids 1400-1419).</summary>
internal static partial class RetentionLog
{
    [LoggerMessage(1401, LogLevel.Information, "Retention policy {Policy} ({Action}): {Rows} rows{DryRun}")]
    private static partial void PolicyDoneCore(ILogger logger, string policy, string action, long rows, string dryRun);

    [LoggerMessage(1402, LogLevel.Error, "Retention policy {Policy} failed: {Reason}")]
    public static partial void PolicyFailed(ILogger logger, string policy, string reason);

    [LoggerMessage(1403, LogLevel.Information, "Retention policies checked against the catalog: {Count}")]
    public static partial void Validated(ILogger logger, int count);

    [LoggerMessage(1404, LogLevel.Debug, "Retention policy {Policy}: batch {Batch} committed, {Rows} rows so far, longest batch {LongestMs} ms")]
    public static partial void Batch(ILogger logger, string policy, int batch, long rows, long longestMs);

    [LoggerMessage(1405, LogLevel.Warning, "Retention policies could not be checked against the catalog at start-up (the database is not reachable: {Reason}); they are checked again before each run")]
    public static partial void NotValidated(ILogger logger, string reason);

    public static void PolicyDone(ILogger logger, string policy, string action, long rows, bool dryRun) =>
        PolicyDoneCore(logger, policy, action, rows, dryRun ? " (dry run)" : string.Empty);
}
