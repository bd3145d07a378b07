namespace DataGuard.Migrations;

/// <summary>One top-level statement of a script, as <see cref="SqlLexer"/> found it.</summary>
/// <param name="Offset">Where it starts in the script (0-based, after leading whitespace and comments).</param>
/// <param name="Text">Its text, up to and including its semicolon.</param>
/// <param name="Words">Its unquoted words outside strings, comments and dollar quotes, upper-cased, in order (a quoted identifier shows as <c>"</c>).</param>
/// <param name="Identifiers">Its words and quoted identifiers as PostgreSQL folds them (unquoted lower-cased).</param>
internal sealed record SqlStatement(int Offset, string Text, IReadOnlyList<string> Words, IReadOnlyList<string> Identifiers)
{
    /// <summary>
    /// Gets a value indicating whether PostgreSQL refuses to run this statement in a transaction block (or in a
    /// multi-statement query): <c>CREATE/DROP INDEX CONCURRENTLY</c>, <c>REINDEX ... CONCURRENTLY</c> and
    /// <c>REINDEX SCHEMA|DATABASE|SYSTEM</c>, <c>ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY</c>, <c>VACUUM</c>,
    /// <c>CREATE/DROP DATABASE</c>, <c>CREATE/DROP TABLESPACE</c>, <c>ALTER SYSTEM</c>.
    /// </summary>
    public bool CannotRunInTransaction => Words switch
    {
        ["VACUUM", ..] => true,
        ["ALTER", "SYSTEM", ..] => true,
        ["CREATE" or "DROP", "DATABASE" or "TABLESPACE", ..] => true,
        ["REINDEX", ..] => Words.Contains("CONCURRENTLY") || Words.Take(3).Any(w => w is "SCHEMA" or "DATABASE" or "SYSTEM"),
        ["CREATE" or "DROP" or "ALTER", ..] => Words.Contains("CONCURRENTLY"),
        _ => false,
    };

    /// <summary>Gets a value indicating whether this statement opens a transaction (<c>BEGIN</c>, <c>START TRANSACTION</c>).</summary>
    public bool BeginsTransaction => Words is ["BEGIN", ..] or ["START", "TRANSACTION", ..];

    /// <summary>Gets a value indicating whether this statement ends a transaction (<c>COMMIT</c>, <c>END</c>, <c>ROLLBACK</c>, <c>ABORT</c>; not <c>... PREPARED</c> or <c>ROLLBACK TO</c>).</summary>
    public bool EndsTransaction => Words switch
    {
        ["COMMIT" or "ROLLBACK", "PREPARED", ..] => false,
        ["ROLLBACK", "TO", ..] => false,
        ["COMMIT" or "END" or "ROLLBACK" or "ABORT", ..] => true,
        _ => false,
    };

    /// <summary>Gets a value indicating whether this statement creates something a down script should undo.</summary>
    public bool CreatesObject => Words is ["CREATE", ..] || (Words is ["ALTER", "TABLE", ..] && Words.Contains("ADD"));
}
