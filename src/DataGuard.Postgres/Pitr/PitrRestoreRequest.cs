namespace DataGuard.Postgres.Pitr;

/// <summary>What a point-in-time restore does.</summary>
internal sealed record PitrRestoreRequest
{
    /// <summary>Gets the data directory to restore into: it must not exist or be empty.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Gets where recovery stops.</summary>
    public required PitrTarget Target { get; init; }

    /// <summary>
    /// Gets PostgreSQL's <c>restore_command</c>: a command that fetches <c>%f</c> into <c>%p</c>, normally
    /// <c>dataguard wal fetch %f %p --config FILE</c>. It runs as the server's user.
    /// </summary>
    public required string RestoreCommand { get; init; }

    /// <summary>Gets the port the restored server listens on; <see langword="null"/> keeps the source's setting.</summary>
    public int? Port { get; init; }

    /// <summary>Gets a value indicating whether to start the server and wait until recovery reaches the target.</summary>
    public bool Start { get; init; }

    /// <summary>Gets a value indicating whether the server is promoted (opened read-write) at the target, rather than paused there.</summary>
    public bool Promote { get; init; }

    /// <summary>
    /// Gets a value indicating whether the copy is started isolated from production's peers (default): listening on
    /// 127.0.0.1 only, no logical replication workers, no job scheduler (pg_cron), no synchronous standbys, and once
    /// promoted its subscriptions disabled with <c>slot_name = NONE</c>. Set it to <see langword="false"/> for a copy that
    /// becomes the new primary. Whatever it is, the copy does not archive WAL (<c>archive_mode = off</c>).
    /// </summary>
    public bool Isolate { get; init; } = true;

    /// <summary>Gets how long to wait for recovery to reach the target. Default: 30 minutes.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
