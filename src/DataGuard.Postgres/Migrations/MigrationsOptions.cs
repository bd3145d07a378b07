namespace DataGuard.Postgres.Migrations;

/// <summary>Options of the section <c>DataGuard:Migrations</c>.</summary>
public sealed class MigrationsOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Migrations";

    /// <summary>Gets or sets the directory of migration files. Default: <c>migrations</c>.</summary>
    public string Directory { get; set; } = "migrations";

    /// <summary>Gets or sets how long to wait for another migrator to finish. Default: 30 seconds.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the application name and version recorded as who applied a migration. Default: the entry assembly's.</summary>
    public string? Application { get; set; }

    /// <summary>Gets or sets a value indicating whether a logical backup is taken before <c>up</c> or <c>down</c> changes anything. Default: off.</summary>
    public bool BackupBeforeChange { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a restore point (<c>before-migrate-&lt;deploy&gt;</c>) is created before a change;
    /// default: when point-in-time recovery is enabled (<c>DataGuard:Pitr:Enabled</c>).
    /// </summary>
    public bool? RestorePointBeforeChange { get; set; }

    /// <summary>
    /// Gets or sets the tool whose ledger table is kept in step with DataGuard's on every up and down, so a team can go
    /// back to that tool at any time: <c>golang-migrate</c>, <c>dbmate</c> or <c>flyway</c>. Default: none.
    /// </summary>
    public string? SourceLedger { get; set; }
}
