using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// What the ledger says about a script that did not finish: the intent text written before a script runs outside
/// DataGuard's transaction, and the record of a cancellation or a lost connection while a script ran.
/// </summary>
internal sealed class MigrationInterruption(string application, Func<CancellationToken, Task<NpgsqlConnection>> openConnection, TimeProvider time)
{
    /// <summary>The error of the intent-dirty mark: what the version's row says if nothing else is ever written.</summary>
    public string Unfinished(MigrationTransactionMode mode) =>
        $"started {time.GetUtcNow():O} ({MigrationStep.Text(mode)}) and did not report success: the process stopped, the connection was lost or the run was cancelled while the script ran; inspect the schema, then resolve";

    /// <summary>How an interruption is described in the history.</summary>
    public static string Describe(Exception ex) => ex is OperationCanceledException ? "interrupted: the run was cancelled while the script ran" : $"interrupted: {ex.GetType().Name}: {ex.Message}";

    /// <summary>
    /// Records an interruption in the ledger and its history, on this connection when it still works (after a
    /// rollback), else on a new one; never throws.
    /// </summary>
    /// <param name="connection">The run's connection.</param>
    /// <param name="transaction">DataGuard's transaction around the script, if any (rolled back first).</param>
    /// <param name="step">The step that was interrupted.</param>
    /// <param name="state">The version's new state; <see langword="null"/> keeps it (only the history says what happened).</param>
    /// <param name="error">What happened.</param>
    /// <param name="ms">How long the script ran.</param>
    /// <param name="deploy">The deploy.</param>
    public async Task TryRecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationStep step, string? state, string error, long ms, string deploy)
    {
        try
        {
            if (transaction is not null && connection.State == System.Data.ConnectionState.Open)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }

            var target = connection;
            NpgsqlConnection? fresh = null;
            if (connection.State != System.Data.ConnectionState.Open)
            {
                fresh = target = await openConnection(CancellationToken.None).ConfigureAwait(false);
            }

            await using (fresh)
            {
                if (state is null)
                {
                    // Nothing changed: the version keeps its state; only the history says what happened.
                }
                else if (step.IsUp)
                {
                    await PostgresMigrationLedger.UpsertAsync(target, null, step.Migration!, state, ms, deploy, error, application, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await PostgresMigrationLedger.SetStateAsync(target, null, step.Version, state, error, application, CancellationToken.None).ConfigureAwait(false);
                }

                await PostgresMigrationLedger.AppendHistoryAsync(target, null, step.Version, step.IsUp ? "up" : "down", "interrupted", error, ms, deploy, application, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The intent row already says what happened (dirty), or nothing was applied (in-transaction).
        }
    }
}
