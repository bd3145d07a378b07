namespace DataGuard.Postgres;

/// <summary>
/// Options of the section <c>DataGuard:Postgres:Dump</c>: what a logical backup holds. Names are exact (not patterns):
/// schemas as <c>name</c>, tables as <c>schema.table</c>, so the row counts of the manifest match the dump exactly.
/// </summary>
public sealed class PgDumpOptions
{
    /// <summary>
    /// Gets or sets a preset for the database's platform, added by its package: <c>Supabase</c> (<c>AddSupabase()</c>)
    /// leaves the platform's schemas out of the dump and restores the archive into another project or a plain
    /// PostgreSQL. Empty for a plain pg_dump / pg_restore.
    /// </summary>
    public string? Preset { get; set; }

    /// <summary>Gets the schemas to back up; empty for all.</summary>
    public List<string> IncludeSchemas { get; init; } = [];

    /// <summary>Gets the schemas to leave out.</summary>
    public List<string> ExcludeSchemas { get; init; } = [];

    /// <summary>Gets the tables to back up (<c>schema.table</c>); empty for all.</summary>
    public List<string> IncludeTables { get; init; } = [];

    /// <summary>Gets the tables to leave out (<c>schema.table</c>).</summary>
    public List<string> ExcludeTables { get; init; } = [];

    /// <summary>Gets the tables whose definition is kept but whose rows are left out (<c>schema.table</c>).</summary>
    public List<string> ExcludeTableData { get; init; } = [];
}
