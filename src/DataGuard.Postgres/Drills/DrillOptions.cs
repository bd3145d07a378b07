namespace DataGuard.Postgres.Drills;

/// <summary>Options of the section <c>DataGuard:Drills</c>: automated restore drills.</summary>
public sealed class DrillOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Drills";

    /// <summary>Gets or sets when drills run (cron, in <c>Backup:TimeZone</c>); empty turns the schedule off. Default: 05:00 on the first day of every third month (quarterly).</summary>
    public string? Schedule { get; set; } = "0 5 1 */3 *";

    /// <summary>Gets or sets what scheduled drills restore: <c>logical</c> (the newest logical backup into a scratch database; default) or <c>physical</c> (the newest base backup plus WAL into a temporary server).</summary>
    public string Kind { get; set; } = "logical";

    /// <summary>Gets or sets the longest time without a passing drill before the <c>dataguard-drill</c> health check is Unhealthy. Default: 92 days.</summary>
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromDays(92);

    /// <summary>Gets or sets the connection string of the drill server (any database on it; the drill creates its own). Default: the production server, through <c>Postgres:ConnectionString</c>.</summary>
    public string? ServerConnectionString { get; set; }

    /// <summary>Gets or sets a fixed name for the scratch database instead of prefix + time. It must not exist when a drill starts (a drill never touches a database it did not create).</summary>
    public string? Database { get; set; }

    /// <summary>Gets or sets the scratch database's name prefix; the drill's time is appended. Default: <c>dataguard_drill_</c>.</summary>
    public string DatabasePrefix { get; set; } = "dataguard_drill_";

    /// <summary>Gets the checks run on the restored copy: a query whose single value must equal the expected text.</summary>
    public List<DrillCheckOptions> Checks { get; init; } = [];

    /// <summary>
    /// Gets or sets the <c>restore_command</c> of physical drills (the restored server fetches WAL with it), e.g.
    /// <c>dataguard wal fetch %f %p --config /etc/dataguard.json</c>. The CLI fills it in with itself.
    /// </summary>
    public string? RestoreCommand { get; set; }

    /// <summary>Gets or sets where physical drills create their temporary data directory. Default: the system's temporary folder.</summary>
    public string? PhysicalDataRoot { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether drills keep their copy from acting on production's peers. Default:
    /// <see langword="true"/>. Logical drills restore without the archive's subscriptions; physical drills start the
    /// copy listening on 127.0.0.1 only, without logical replication workers or pg_cron, and disable its subscriptions
    /// (<c>slot_name = NONE</c>, the publishers' slots untouched) once promoted, and add an <c>isolation</c> check. A
    /// physical drill's copy never archives WAL, isolated or not.
    /// </summary>
    public bool Isolate { get; set; } = true;

    /// <summary>Gets or sets the RTO target the drill's restore duration is compared with. Default: 4 hours.</summary>
    public TimeSpan RtoTarget { get; set; } = TimeSpan.FromHours(4);
}
