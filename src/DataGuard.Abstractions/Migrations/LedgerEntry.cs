namespace DataGuard.Migrations;

/// <summary>One migration as the ledger records it.</summary>
public sealed record LedgerEntry
{
    /// <summary>Gets the version.</summary>
    public required long Version { get; init; }

    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets the state.</summary>
    public required MigrationState State { get; init; }

    /// <summary>Gets the SHA-256 of the up script applied.</summary>
    public required string UpSha256 { get; init; }

    /// <summary>Gets the SHA-256 of the down script stored, if any.</summary>
    public string? DownSha256 { get; init; }

    /// <summary>Gets the down script's text, kept so a build without the file can still roll back.</summary>
    public string? Down { get; init; }

    /// <summary>Gets a value indicating whether the scripts run outside a transaction.</summary>
    public bool NoTransaction { get; init; }

    /// <summary>Gets a value indicating whether the migration cannot be rolled back.</summary>
    public bool Irreversible { get; init; }

    /// <summary>Gets when it was applied (or last changed state).</summary>
    public required DateTimeOffset AppliedAt { get; init; }

    /// <summary>Gets who applied it: database user, host application and version.</summary>
    public required string AppliedBy { get; init; }

    /// <summary>Gets how long the up script took, in milliseconds.</summary>
    public required long ExecutionMs { get; init; }

    /// <summary>Gets the deploy (one <c>up</c> run) it belongs to.</summary>
    public required string DeployId { get; init; }

    /// <summary>Gets the last error, for a failed or dirty migration.</summary>
    public string? Error { get; init; }
}
