using Microsoft.Extensions.Logging;

namespace DataGuard.EntityFrameworkCore.Migrations;

/// <summary>EF Core migration log messages (event ids 1700-1719, next to DataGuardEventIds' ranges).</summary>
internal static partial class EfCoreLog
{
    [LoggerMessage(1700, LogLevel.Information, "EF Core migration {MigrationId} applied through DataGuard ({Transaction}, deploy {Deploy})")]
    public static partial void Applied(ILogger logger, string migrationId, string transaction, string deploy);

    [LoggerMessage(1701, LogLevel.Information, "No EF Core migration of {Context} is pending")]
    public static partial void NothingPending(ILogger logger, string context);

    [LoggerMessage(1702, LogLevel.Warning, "{Count} EF Core migration(s) in {HistoryTable} were applied outside DataGuard and are not in its ledger ({Ids}): DataGuard cannot roll them back until they are adopted (AdoptMigrationsAsync)")]
    public static partial void Unadopted(ILogger logger, int count, string historyTable, string ids);

    [LoggerMessage(1703, LogLevel.Information, "EF Core migration {MigrationId} adopted into DataGuard's ledger (deploy {Deploy})")]
    public static partial void Adopted(ILogger logger, string migrationId, string deploy);

    [LoggerMessage(1704, LogLevel.Warning, "{HistoryTable} lists migrations this build does not contain, so they cannot be adopted: {Ids}")]
    public static partial void UnknownHistory(ILogger logger, string historyTable, string ids);
}
