namespace DataGuard.Postgres.Migrations;

/// <summary>One line of <c>migrate status</c>.</summary>
/// <param name="Version">The version.</param>
/// <param name="Title">The title.</param>
/// <param name="State">applied, pending, failed, rolledback, dirty, or applied-missing-file.</param>
/// <param name="Drifted">Whether the applied up script differs from the file.</param>
/// <param name="MissingDown">Whether no down script is known (and it is not marked irreversible).</param>
/// <param name="Irreversible">Whether it is marked irreversible.</param>
public sealed record MigrationStatusRow(long Version, string Title, string State, bool Drifted, bool MissingDown, bool Irreversible)
{
    /// <summary>Gets the last error the ledger keeps for this version (a failed or dirty run, or a down that failed and left it applied), with its file, line, column and SQLSTATE.</summary>
    public string? Error { get; init; }
}
