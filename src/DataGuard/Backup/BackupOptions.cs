namespace DataGuard.Backup;

/// <summary>Options of the section <c>DataGuard:Backup</c>.</summary>
public sealed class BackupOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Backup";

    /// <summary>
    /// Gets or sets when scheduled backups run: a five-field cron expression (minute hour day month weekday), read in
    /// <c>DataGuard:TimeZone</c>, or empty to turn scheduled backups off. Default: every day at 03:00.
    /// </summary>
    public string? Schedule { get; set; } = "0 3 * * *";

    /// <summary>Gets or sets how archives are compressed.</summary>
    public CompressionOptions Compression { get; set; } = new();

    /// <summary>Gets or sets the encryption of archives (off unless a key is set).</summary>
    public EncryptionOptions Encryption { get; set; } = new();

    /// <summary>
    /// Gets or sets a value indicating whether every backup is verified before its manifest is written: a single-stream
    /// archive is decoded and listed while it is written, then read back for its size and SHA-256; a parallel backup's
    /// objects are read back after they are written. Default: on.
    /// </summary>
    public bool VerifyAfterBackup { get; set; } = true;

    /// <summary>
    /// Gets or sets how many tables a logical backup dumps, and a restore of it loads, at once. 1 (the default): one
    /// pg_dump custom-format archive, streamed. Above 1: <c>pg_dump -Fd -j N</c>, each table's data file stored as an
    /// object of its own as soon as it is written, and restored with <c>pg_restore -j N</c> (docs/backups.md).
    /// </summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>
    /// Gets or sets where a parallel backup stages the files pg_dump writes until they are stored (a private folder per
    /// backup is made in it, and deleted after), and where a restore of one makes its folder of named pipes. Default: the
    /// system's temporary folder.
    /// </summary>
    public string? StagingDirectory { get; set; }

    /// <summary>
    /// Gets or sets how many megabytes of finished files a parallel backup may hold in staging before it pauses pg_dump
    /// until the storage has caught up (files being written are not counted: see docs/backups.md). Default: 1024.
    /// </summary>
    public int StagingLimitMegabytes { get; set; } = 1024;

    /// <summary>Gets or sets how a failed scheduled backup is retried.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Gets or sets how long backups are kept.</summary>
    public BackupRetentionOptions Retention { get; set; } = new();

    /// <summary>
    /// Gets or sets the recovery point objective: the health check is Unhealthy when the newest verified backup is
    /// older than this plus <see cref="RpoSlack"/>. Default: 24 hours.
    /// </summary>
    public TimeSpan Rpo { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets the time a scheduled backup may take before the RPO counts as missed. Default: 1 hour.</summary>
    public TimeSpan RpoSlack { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets how long the health check reuses the catalog it read (health probes may come every few seconds;
    /// on S3 a catalog read is a listing plus a GET per backup). A backup or prune in this process refreshes it at
    /// once; other replicas' backups show after at most this long. Zero reads every time. Default: 1 minute.
    /// </summary>
    public TimeSpan HealthCatalogCacheDuration { get; set; } = TimeSpan.FromMinutes(1);
}
