using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// The one place where a migration's script is sent to the server. Today every step's script is sent whole, as one
/// command, in whatever transaction the executor opened (none outside <see cref="MigrationTransactionMode.InTransaction"/>).
/// A per-statement mode (statements split by a lexer and sent one by one, with positions mapped back to the file)
/// belongs here, chosen by the step, without changing how the executor marks, records and recovers.
/// </summary>
internal static class MigrationScriptRunner
{
    /// <summary>Runs a step's script, with no command timeout (a migration takes as long as it takes).</summary>
    public static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationStep step, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(step.Script, connection, transaction) { CommandTimeout = 0 };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
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
}
