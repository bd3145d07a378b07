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
}
