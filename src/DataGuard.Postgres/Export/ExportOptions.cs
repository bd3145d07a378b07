namespace DataGuard.Postgres.Export;

/// <summary>Options of the section <c>DataGuard:Export</c>: whose data, how it is found, what never leaves, and how self-service jobs run.</summary>
public sealed class ExportOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Export";

    /// <summary>Gets or sets the subject: the table of the people whose data is exported, and its key.</summary>
    public ExportSubjectOptions Subject { get; set; } = new();

    /// <summary>Gets the links that have no foreign key: <c>From</c> (<c>schema.table.column</c>) references <c>To</c> (<c>schema.table.column</c>, the subject key or another table's key).</summary>
    public List<ExportLink> Links { get; init; } = [];

    /// <summary>Gets the tables (<c>schema.table</c>) never exported, even when they reference the subject.</summary>
    public List<string> ExcludeTables { get; init; } = [];

    /// <summary>Gets the probable links silenced on purpose: <c>schema.table.column</c> (that column is not a reference to the subject) or <c>schema.table</c> (none of its columns is).</summary>
    public List<string> Exclude { get; init; } = [];

    /// <summary>Gets or sets a value indicating whether a subject export is refused while a probable link (a column named and typed like the subject's key) is neither declared in <see cref="Links"/> nor silenced in <see cref="Exclude"/>. Default: false; recommended: true.</summary>
    public bool Strict { get; set; }

    /// <summary>Gets or sets which columns never leave.</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary>Gets the formats a self-service request gets when it names none. Default: json, csv, pdf.</summary>
    public List<string> DefaultFormats { get; init; } = [];

    /// <summary>Gets or sets how long an export's download links and artifacts live. Default: 7 days.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets the least time between two self-service requests of one subject (zero: no limit). Default: 1 hour.</summary>
    public TimeSpan RateLimit { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets a value indicating whether this host runs the export worker. Default: true.</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>Gets or sets how often the worker looks for pending jobs (it is also woken by requests from this host). Default: 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets after how long without a heartbeat a running job counts as abandoned (its worker died) and is picked up again; also how long a job whose attempt failed waits before it is tried again. Default: 2 minutes.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets the attempts before a job is failed for good. Default: 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Gets or sets how many attempts lost to an outage (storage unreachable or refusing, PostgreSQL's connection lost
    /// or refused) a job may make besides its <see cref="MaxAttempts"/> before it fails for good; each waits
    /// <see cref="StaleAfter"/> first. Default: 720 (at least a day at the default <see cref="StaleAfter"/>).
    /// </summary>
    public int MaxOutageAttempts { get; set; } = 720;
}
