namespace DataGuard.Migrations;

/// <summary>One schema migration read from its source files: an up script and, unless irreversible, a down script.</summary>
public sealed record Migration
{
    /// <summary>Gets the version (an integer up to bigint, such as 1 or 20240826120919).</summary>
    public required long Version { get; init; }

    /// <summary>Gets the title (from the up file's name).</summary>
    public required string Title { get; init; }

    /// <summary>Gets the up script.</summary>
    public required string Up { get; init; }

    /// <summary>Gets the down script, or <see langword="null"/> when there is none.</summary>
    public string? Down { get; init; }

    /// <summary>Gets the SHA-256 of the up script (hex).</summary>
    public required string UpSha256 { get; init; }

    /// <summary>Gets the SHA-256 of the down script (hex), or <see langword="null"/>.</summary>
    public string? DownSha256 { get; init; }

    /// <summary>Gets a value indicating whether the scripts run outside a transaction (<c>-- dataguard:no-transaction</c>).</summary>
    public bool NoTransaction { get; init; }

    /// <summary>Gets a value indicating whether the migration cannot be rolled back (<c>-- dataguard:irreversible</c>).</summary>
    public bool Irreversible { get; init; }

    /// <summary>Gets where the up script came from, for messages.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the kind of source recorded in the ledger (SQL files unless set).</summary>
    internal MigrationOrigin Origin { get; init; } = MigrationOrigin.Sql;

    /// <summary>Gets where the down script came from (its file), for messages; <see langword="null"/> when there is none.</summary>
    public string? DownSource { get; init; }

    /// <summary>Gets how many lines of <see cref="Source"/> come before the up script's first line (a dbmate section's header), so errors name the file's line.</summary>
    public int UpLineOffset { get; init; }

    /// <summary>Gets how many lines of <see cref="DownSource"/> come before the down script's first line.</summary>
    public int DownLineOffset { get; init; }
}
