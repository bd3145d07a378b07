namespace DataGuard.Postgres;

/// <summary>Options of the section <c>DataGuard:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Postgres";

    /// <summary>
    /// Gets or sets the Npgsql connection string of the database to protect. Required. Keep the password out of
    /// files checked into source control: use an environment variable (<c>DataGuard__Postgres__ConnectionString</c>)
    /// or a secret store.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the folder holding <c>pg_dump</c>, <c>pg_restore</c> and friends. When empty, the newest
    /// version found on <c>PATH</c> or under <c>/usr/lib/postgresql/*/bin</c> is used.
    /// </summary>
    public string? ToolsDirectory { get; set; }

    /// <summary>Gets or sets what logical backups hold.</summary>
    public PgDumpOptions Dump { get; set; } = new();
}
