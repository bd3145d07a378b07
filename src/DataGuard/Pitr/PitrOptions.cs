namespace DataGuard.Pitr;

/// <summary>Options of the section <c>DataGuard:Pitr</c> (point-in-time recovery, self-hosted PostgreSQL only).</summary>
public sealed class PitrOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Pitr";

    /// <summary>Gets or sets a value indicating whether point-in-time recovery is set up: base backups are scheduled and the WAL health check runs.</summary>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how many days back a restore must be possible to any moment. Default: 7.</summary>
    public int WindowDays { get; set; } = 7;

    /// <summary>Gets or sets when base backups run (cron). Default: every day at 02:00, in <c>DataGuard:TimeZone</c>.</summary>
    public string? BaseBackupSchedule { get; set; } = "0 2 * * *";

    /// <summary>Gets or sets how far WAL archiving may lag before the health check turns Unhealthy. Default: 15 minutes.</summary>
    public TimeSpan MaxArchiveLag { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets the server's WAL segment size in bytes (<c>SHOW wal_segment_size</c>). Default: 16 MiB.</summary>
    public long WalSegmentSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the zstd level WAL files are archived at, 1 (fastest) to 19. Default: 1: on pgbench's WAL, level 1
    /// archives about 1.7 times as many segments a second as level 3 on two cores, for about 16 % more stored bytes
    /// (docs/benchmarks.md); archiving has to keep up with the server's peak write rate, a backup only with its schedule.
    /// The algorithm, threads and library are <c>Backup:Compression</c>'s.
    /// </summary>
    public int WalCompressionLevel { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many WAL segments past the one recovery asked for <c>dataguard wal fetch</c> has a background
    /// prefetcher download, verify and decompress into <c>pg_wal/.dataguard-prefetch</c>, so that the next
    /// <c>restore_command</c> calls are a local rename; 0 turns prefetching off. Default: 16 (256 MiB of disk).
    /// </summary>
    public int WalPrefetch { get; set; } = 16;

    /// <summary>
    /// Gets or sets whether the runs of zeros (whole 64 KiB blocks) of a WAL segment restored by <c>dataguard wal fetch</c>
    /// or the prefetcher are allocated with <c>fallocate</c> instead of written. Default: <see langword="true"/>: a
    /// segment closed early (<c>archive_timeout</c>, <c>pg_switch_wal()</c>, a backup's start and end) replays without
    /// copying its zeros. The blocks are reserved as unwritten extents (ext4, xfs): until PostgreSQL has written into them
    /// once, which happens to restored segments it recycles (after a promotion; on a standby that caught up from the
    /// archive, as it streams), each durable WAL write there also commits the file system's extent change.
    /// <see langword="false"/> writes every byte, for the lowest commit latency right after a promotion and on
    /// synchronous standbys.
    /// </summary>
    public bool WalFetchAllocatesZeros { get; set; } = true;

    /// <summary>Gets or sets how many WAL segments the prefetcher downloads at the same time. Default: 4.</summary>
    public int WalPrefetchConcurrency { get; set; } = 4;

    /// <summary>Gets or sets how long the prefetcher waits for recovery to ask for WAL before it removes its spool and exits. Default: 60 seconds.</summary>
    public TimeSpan WalPrefetchIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
