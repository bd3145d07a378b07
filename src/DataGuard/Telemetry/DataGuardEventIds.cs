namespace DataGuard.Telemetry;

/// <summary>
/// The event ids of every DataGuard log message, in every package, grouped by feature. The numbers are a public
/// contract (operators filter and alert on them): never renumber or reuse one; a new message takes the next free id in
/// its feature's range. The ranges are listed in docs/operations.md.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>1000-1099: reserved (host and configuration).</item>
/// <item>1100-1199: storage (local disk, S3).</item>
/// <item>1200-1299: backups (runs, verification, retention of backups, schedule).</item>
/// <item>1300-1399: point-in-time recovery (WAL archive).</item>
/// <item>1400-1499: row retention.</item>
/// <item>1500-1599: exports.</item>
/// <item>1600-1699: restore drills.</item>
/// <item>1700-1799: reserved (migrations).</item>
/// <item>1800-1899: reserved (Supabase).</item>
/// <item>1900-1999: ASP.NET Core (export endpoints, dashboard).</item>
/// </list>
/// </remarks>
internal static class DataGuardEventIds
{
    #region Storage (1100-1199)

    public const int StorageObjectWritten = 1100;
    public const int StorageObjectDeleted = 1101;
    public const int StorageAbortMultipartFailed = 1102;
    public const int StorageConditionalWriteUnsupported = 1103;
    public const int StorageBatchDeleteFallback = 1104;
    public const int StoragePartSizeRaised = 1105;

    #endregion

    #region Backup (1200-1299)

    public const int BackupStarted = 1200;
    public const int BackupSucceeded = 1201;
    public const int BackupAttemptFailed = 1202;
    public const int BackupScheduledFailed = 1203;
    public const int BackupVerificationFailed = 1204;
    public const int BackupSlotTakenElsewhere = 1205;
    public const int BackupPruned = 1206;
    public const int BackupNextRun = 1207;
    public const int BackupQuarantined = 1208;
    public const int BackupWalRetentionHeld = 1209;
    public const int BackupForgotten = 1210;
    public const int BackupScheduleWithoutProvider = 1211;
    public const int BackupStagingSwept = 1212;
    public const int BackupHeartbeatFailed = 1213;
    public const int BackupSizeEstimateUnavailable = 1214;

    #endregion

    #region Point-in-time recovery (1300-1399)

    public const int PitrWalPushed = 1300;
    public const int PitrWalAlreadyArchived = 1301;
    public const int PitrWalFetched = 1302;
    public const int PitrSpoolPushFailed = 1303;
    public const int PitrPrefetchStarted = 1304;
    public const int PitrPrefetchFailed = 1305;
    public const int PitrPrefetchStopped = 1306;
    public const int PitrSpoolStrayFileSkipped = 1307;
    public const int PitrReadyPushFailed = 1308;
    public const int PitrArchiverListFailed = 1309;

    #endregion

    #region Row retention (1400-1499)

    public const int RetentionScheduledRunFailed = 1400;
    public const int RetentionPolicyDone = 1401;
    public const int RetentionPolicyFailed = 1402;
    public const int RetentionValidated = 1403;
    public const int RetentionBatch = 1404;
    public const int RetentionNotValidated = 1405;

    #endregion

    #region Export (1500-1599)

    public const int ExportReady = 1500;
    public const int ExportFailed = 1501;
    public const int ExportLostClaim = 1502;
    public const int ExportExpired = 1503;
    public const int ExportPassFailed = 1504;
    public const int ExportLeftoverKept = 1505;
    public const int ExportSwept = 1506;
    public const int ExportArtifactWarning = 1507;
    public const int ExportHeartbeatFailed = 1508;

    #endregion

    #region Restore drills (1600-1699)

    public const int DrillFinished = 1600;
    public const int DrillScheduledFailed = 1601;

    #endregion

    #region ASP.NET Core (1900-1999)

    public const int AspNetCoreDashboardAnonymous = 1900;
    public const int AspNetCoreDashboardAnonymousIgnored = 1901;
    public const int AspNetCoreExportEndpointFailed = 1902;
    public const int AspNetCoreDashboardPartFailed = 1903;

    #endregion
}
