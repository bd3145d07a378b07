using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>A statement of a migration script failed (the first error of the script), or left an INVALID index behind.</summary>
internal sealed class MigrationScriptException : Exception
{
    public MigrationScriptException(SqlStatement statement, PostgresException error)
        : base(error.Message, error)
    {
        Statement = statement;
        Postgres = error;
    }

    public MigrationScriptException(SqlStatement statement, string message)
        : base(message)
    {
        Statement = statement;
    }

    /// <summary>Gets the statement that failed, with its offset in the script.</summary>
    public SqlStatement Statement { get; }

    /// <summary>
    /// Gets or sets a value indicating whether nothing of a script that ran outside DataGuard's transaction was
    /// committed before it failed (it failed on its first statement, or inside its own BEGIN before any COMMIT), so the
    /// version need not be dirty.
    /// </summary>
    public bool AppliedNothing { get; set; }

    /// <summary>Gets the server's error, if the server reported one.</summary>
    public PostgresException? Postgres { get; }
}
