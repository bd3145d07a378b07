namespace DataGuard.Migrations;

/// <summary>What a script does that changes how it must run, from its statements as <see cref="SqlLexer"/> splits them.</summary>
internal static class ScriptAnalysis
{
    /// <summary>Whether the script manages its own transaction (a top-level <c>BEGIN</c> or <c>START TRANSACTION</c> and a <c>COMMIT</c>).</summary>
    /// <param name="script">The script.</param>
    /// <returns>Whether it must run without an outer transaction.</returns>
    public static bool ManagesOwnTransaction(string script)
    {
        var statements = SqlLexer.Split(script ?? string.Empty);
        return statements.Any(s => s.BeginsTransaction) && statements.Any(s => s.EndsTransaction);
    }

    /// <summary>Whether the script holds a statement that PostgreSQL refuses to run in a transaction block (<c>CREATE INDEX CONCURRENTLY</c>, <c>VACUUM</c>, ...).</summary>
    /// <param name="script">The script.</param>
    /// <returns>Whether it must run outside any transaction, statement by statement.</returns>
    public static bool NeedsNoTransaction(string script) => SqlLexer.Split(script ?? string.Empty).Any(s => s.CannotRunInTransaction);
}
