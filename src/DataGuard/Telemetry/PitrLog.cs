using Microsoft.Extensions.Logging;

namespace DataGuard.Telemetry;

/// <summary>Point-in-time recovery log messages; event ids 1300-1399.</summary>
internal static partial class PitrLog
{
    /// <summary>A WAL file was archived.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    /// <param name="rawSize">Its size.</param>
    /// <param name="storedSize">The stored size.</param>
    [LoggerMessage(DataGuardEventIds.PitrWalPushed, LogLevel.Debug, "Archived WAL file {Name}: {RawSize} bytes, {StoredSize} stored")]
    public static partial void Pushed(ILogger logger, string name, long rawSize, long storedSize);

    /// <summary>A WAL file was already archived with the same content.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    [LoggerMessage(DataGuardEventIds.PitrWalAlreadyArchived, LogLevel.Information, "WAL file {Name} was already archived with the same content")]
    public static partial void AlreadyArchived(ILogger logger, string name);

    /// <summary>A WAL file was restored from the archive.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    [LoggerMessage(DataGuardEventIds.PitrWalFetched, LogLevel.Debug, "Fetched WAL file {Name}")]
    public static partial void Fetched(ILogger logger, string name);

    /// <summary>A spooled WAL file could not be archived; it stays in the spool for the next pass.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.PitrSpoolPushFailed, LogLevel.Error, "Spooled WAL file {Name} was not archived and stays in the spool: {Reason}")]
    public static partial void SpoolPushFailed(ILogger logger, string name, string reason);

    /// <summary>A file in the spool is not a WAL file name and is left there, never pushed.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    /// <param name="spool">The spool folder.</param>
    [LoggerMessage(DataGuardEventIds.PitrSpoolStrayFileSkipped, LogLevel.Warning, "{Name} in the WAL spool {Spool} is not a WAL file name; it is left there and never pushed (remove it)")]
    public static partial void SpoolStrayFileSkipped(ILogger logger, string name, string spool);

    /// <summary>A WAL file marked ready in pg_wal could not be archived; PostgreSQL keeps it and the archiver tries again.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The file.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.PitrReadyPushFailed, LogLevel.Error, "WAL file {Name}, ready in pg_wal, was not archived (PostgreSQL keeps it; tried again in a second): {Reason}")]
    public static partial void ReadyPushFailed(ILogger logger, string name, string reason);

    /// <summary>A resident archiver could not list what waits to be pushed (a folder gone or unreadable); it keeps looking.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.PitrArchiverListFailed, LogLevel.Error, "The WAL archiver cannot list the files waiting to be pushed (looking again every second; nothing is lost, PostgreSQL keeps them): {Reason}")]
    public static partial void ArchiverListFailed(ILogger logger, string reason);

    /// <summary>The WAL prefetcher started.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="from">The segment recovery asked for.</param>
    /// <param name="ahead">How many segments it keeps ahead.</param>
    /// <param name="concurrency">Downloads at the same time.</param>
    [LoggerMessage(DataGuardEventIds.PitrPrefetchStarted, LogLevel.Information, "WAL prefetcher started after {From}: {Ahead} segments ahead, {Concurrency} at a time")]
    public static partial void PrefetchStarted(ILogger logger, string from, int ahead, int concurrency);

    /// <summary>A segment could not be prefetched; recovery's own fetch of it decides (and reports) what happens.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="name">The segment.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.PitrPrefetchFailed, LogLevel.Warning, "WAL segment {Name} was not prefetched (restore_command will fetch it itself): {Reason}")]
    public static partial void PrefetchFailed(ILogger logger, string name, string reason);

    /// <summary>The WAL prefetcher stopped and removed its spool.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="reason">Why it stopped.</param>
    /// <param name="prefetched">Segments it prefetched.</param>
    /// <param name="consumed">Of those, the ones recovery took.</param>
    [LoggerMessage(DataGuardEventIds.PitrPrefetchStopped, LogLevel.Information, "WAL prefetcher stopped ({Reason}): {Prefetched} segments prefetched, {Consumed} taken by recovery; spool removed")]
    public static partial void PrefetchStopped(ILogger logger, string reason, int prefetched, int consumed);
}
