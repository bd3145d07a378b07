using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// The one place where a migration's script is sent to the server. The script is split by <see cref="SqlLexer"/> (never
/// on bare semicolons). In DataGuard's transaction its statements go one after the other (all or nothing, as golang-migrate's
/// single multi-statement query, and stopping at the first error); outside it (a statement that cannot run in a transaction block,
/// <c>-- dataguard:no-transaction</c>, dbmate's <c>transaction:false</c>, or the file's own <c>BEGIN</c>/<c>COMMIT</c>)
/// each statement is sent alone, in order, stopping at the first error. An empty or comment-only script sends nothing.
/// The first error is reported with the statement it came from, so that it can be placed in the file.
/// </summary>
internal static class MigrationScriptRunner
{
    /// <summary>Runs a step's script, with no command timeout (a migration takes as long as it takes).</summary>
    /// <exception cref="MigrationScriptException">A statement failed (the first error), or a concurrent index build left its index INVALID.</exception>
    public static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationStep step, CancellationToken cancellationToken)
    {
        var statements = SqlLexer.Split(step.Script);
        if (statements.Count == 0)
        {
            return;
        }

        if (step.Mode == MigrationTransactionMode.InTransaction)
        {
            // One after the other in DataGuard's transaction: all or nothing, as golang-migrate's single query, and the
            // first error is known to come from its statement (Npgsql does not say which command of a batch failed).
            foreach (var statement in statements)
            {
                await RunStatementAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        // What may have been committed so far: a statement outside the file's own BEGIN (autocommit) or its COMMIT.
        var committed = false;
        var inBlock = false;
        foreach (var statement in statements)
        {
            try
            {
                await RunStatementAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
            }
            catch (MigrationScriptException ex)
            {
                // A failed statement in autocommit is atomic, except a concurrent build, which leaves an INVALID index behind.
                ex.AppliedNothing = !committed && (inBlock || !statement.CannotRunInTransaction);
                throw;
            }

            if (statement.BeginsTransaction)
            {
                inBlock = true;
            }
            else if (statement.EndsTransaction)
            {
                committed |= inBlock && statement.Words[0] is "COMMIT" or "END";
                inBlock = false;
            }
            else if (!inBlock)
            {
                committed = true;
            }
        }

        await RefuseInvalidIndexesAsync(connection, statements, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After a script outside DataGuard's transaction failed: ends whatever transaction it left open (its own <c>BEGIN</c>), so the ledger can be written.</summary>
    public static async Task AbortOpenTransactionAsync(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand("ROLLBACK", connection) { CommandTimeout = 0 };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The indexes left INVALID (by a failed concurrent build), as a comma-separated list, or empty.</summary>
    public static async Task<string> InvalidIndexesAsync(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand("SELECT coalesce(string_agg(indexrelid::regclass::text, ', '), '') FROM pg_index WHERE NOT indisvalid", connection);
        await using (command.ConfigureAwait(false))
        {
            return (string)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
    }

    /// <summary>
    /// Sends one statement as a batch of one, which Npgsql sends as it is (it does not re-split a batch command, so a
    /// <c>BEGIN ATOMIC</c> body keeps its semicolons), alone in its own implicit transaction outside a transaction
    /// block, which is what <c>CREATE INDEX CONCURRENTLY</c> needs.
    /// </summary>
    private static async Task RunStatementAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, SqlStatement statement, CancellationToken cancellationToken)
    {
        var batch = new NpgsqlBatch(connection, transaction) { Timeout = 0 };
        await using (batch.ConfigureAwait(false))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw new MigrationScriptException(statement, ex);
            }
        }
    }

    /// <summary>
    /// A concurrent index build that the script names and that is INVALID is a failure even when every statement
    /// succeeded: <c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c> retried over the INVALID index a failed build left
    /// behind "succeeds" without building anything.
    /// </summary>
    private static async Task RefuseInvalidIndexesAsync(NpgsqlConnection connection, IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        var concurrent = statements.Where(s => s.CannotRunInTransaction).ToList();
        if (concurrent.Count == 0)
        {
            return;
        }

        var command = new NpgsqlCommand("SELECT c.relname, c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    var statement = concurrent.FirstOrDefault(s => s.Identifiers.Contains(name, StringComparer.Ordinal));
                    if (statement is not null)
                    {
                        throw new MigrationScriptException(statement, $"index {reader.GetString(1)} is INVALID after this statement reported success (a failed concurrent build left it behind, and IF NOT EXISTS skipped it): drop it, then run the migration again");
                    }
                }
            }
        }
    }
}
