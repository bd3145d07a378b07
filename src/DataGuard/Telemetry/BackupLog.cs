using Microsoft.Extensions.Logging;

namespace DataGuard.Telemetry;

/// <summary>Backup log messages; event ids 1200-1299.</summary>
internal static partial class BackupLog
{
    /// <summary>A backup started.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="database">The database.</param>
    [LoggerMessage(DataGuardEventIds.BackupStarted, LogLevel.Information, "Backup {BackupId} of {Database} started")]
    public static partial void Started(ILogger logger, string backupId, string database);

    /// <summary>A backup succeeded.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="rawSize">Raw bytes.</param>
    /// <param name="storedSize">Stored bytes.</param>
    /// <param name="seconds">Duration.</param>
    /// <param name="status">Its status after verification.</param>
    [LoggerMessage(DataGuardEventIds.BackupSucceeded, LogLevel.Information, "Backup {BackupId} stored: {RawSize} bytes raw, {StoredSize} stored, in {Seconds:F1} s; {Status}")]
    public static partial void Succeeded(ILogger logger, string backupId, long rawSize, long storedSize, double seconds, string status);

    /// <summary>A backup attempt failed.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.BackupAttemptFailed, LogLevel.Warning, "Backup {BackupId} failed: {Reason}")]
    public static partial void AttemptFailed(ILogger logger, string backupId, string reason);

    /// <summary>A scheduled backup failed after every retry.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="slot">The schedule slot.</param>
    /// <param name="attempts">How many attempts were made.</param>
    /// <param name="exception">The last failure.</param>
    [LoggerMessage(DataGuardEventIds.BackupScheduledFailed, LogLevel.Error, "Scheduled backup for {Slot} failed after {Attempts} attempts")]
    public static partial void ScheduledFailed(ILogger logger, DateTimeOffset slot, int attempts, Exception exception);

    /// <summary>A schedule names a kind of backup no provider in this host makes: it does not run here.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="kind">logical or physical.</param>
    [LoggerMessage(DataGuardEventIds.BackupScheduleWithoutProvider, LogLevel.Information, "No {Kind} backup provider is registered in this host (AddPostgresBackups() adds them): scheduled {Kind} backups do not run here")]
    public static partial void ScheduleWithoutProvider(ILogger logger, string kind);

    /// <summary>A verification failed.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.BackupVerificationFailed, LogLevel.Error, "Verification of backup {BackupId} failed: {Reason}")]
    public static partial void VerificationFailed(ILogger logger, string backupId, string reason);

    /// <summary>Another replica holds the schedule lock.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="slot">The slot.</param>
    [LoggerMessage(DataGuardEventIds.BackupSlotTakenElsewhere, LogLevel.Information, "Backup slot {Slot} is handled by another replica")]
    public static partial void SlotTakenElsewhere(ILogger logger, DateTimeOffset slot);

    /// <summary>Prune deleted a backup.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="reason">Why it went.</param>
    [LoggerMessage(DataGuardEventIds.BackupPruned, LogLevel.Information, "Pruned backup {BackupId}: {Reason}")]
    public static partial void Pruned(ILogger logger, string backupId, string reason);

    /// <summary>The next scheduled backup.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="next">When.</param>
    [LoggerMessage(DataGuardEventIds.BackupNextRun, LogLevel.Debug, "Next scheduled backup at {Next}")]
    public static partial void NextRun(ILogger logger, DateTimeOffset next);

    /// <summary>A backup's manifest cannot be read or trusted: it is kept, untouched.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.BackupQuarantined, LogLevel.Warning, "Backup {BackupId} is quarantined and kept: {Reason}")]
    public static partial void Quarantined(ILogger logger, string backupId, string reason);

    /// <summary>WAL retention deleted nothing because a base backup's WAL needs are unknown.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="reason">Why.</param>
    [LoggerMessage(DataGuardEventIds.BackupWalRetentionHeld, LogLevel.Warning, "WAL retention held: {Reason}")]
    public static partial void WalRetentionHeld(ILogger logger, string reason);

    /// <summary>An operator deleted a quarantined or orphaned backup folder.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="objects">How many objects were deleted.</param>
    /// <param name="state">What the folder was (unreadable, orphan).</param>
    [LoggerMessage(DataGuardEventIds.BackupForgotten, LogLevel.Warning, "Backup {BackupId} forgotten on an operator's confirmation: {Objects} objects deleted ({State})")]
    public static partial void Forgotten(ILogger logger, string backupId, int objects, string state);

    /// <summary>A staging folder left by a process that no longer runs was removed (it held unencrypted pg_dump output).</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="path">The folder.</param>
    /// <param name="ownerProcessId">The process that made it.</param>
    /// <param name="bytes">What its files held.</param>
    [LoggerMessage(DataGuardEventIds.BackupStagingSwept, LogLevel.Warning, "Removed the staging folder {Path} ({Bytes} bytes of unencrypted dump files, deleted) left by process {OwnerProcessId}, which no longer runs")]
    public static partial void StagingSwept(ILogger logger, string path, int ownerProcessId, long bytes);

    /// <summary>A running parallel backup could not rewrite its heartbeat: prune may take its folder for an orphan.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="backupId">The backup id.</param>
    /// <param name="key">The heartbeat object.</param>
    /// <param name="exception">The storage's error.</param>
    [LoggerMessage(DataGuardEventIds.BackupHeartbeatFailed, LogLevel.Warning, "Backup {BackupId}: its heartbeat {Key} could not be written (the next beat tries again; if beats keep failing past OrphanGracePeriod, a prune may take the running backup's folder for an orphan and the backup then fails)")]
    public static partial void HeartbeatFailed(ILogger logger, string backupId, string key, Exception exception);

    /// <summary>The backup's size could not be estimated: the storage keeps its configured part size.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="reason">PostgreSQL's error (SQLSTATE and message).</param>
    [LoggerMessage(DataGuardEventIds.BackupSizeEstimateUnavailable, LogLevel.Warning, "The backup's size could not be estimated ({Reason}); it runs without an estimate, so S3 uploads it in parts of the configured PartSize (at most 10,000 of them)")]
    public static partial void SizeEstimateUnavailable(ILogger logger, string reason);
}
