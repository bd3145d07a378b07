using System.Diagnostics;
using DataGuard.Telemetry;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// Runs the steps the planner decided on, on the connection that holds the migration lock, and keeps the ledger true
/// whatever happens: in DataGuard's transaction the script and its ledger row commit together; outside it (no
/// transaction, or the script's own) the version is marked dirty before the script starts and cleared by its success,
/// so that a kill, a lost connection or a cancellation leaves it dirty, never pending.
/// </summary>
internal sealed class MigrationExecutor(string application, MigrationInterruption interruption, DataGuardMetrics metrics, TimeProvider time)
{
    /// <summary>Applies one up step.</summary>
    /// <exception cref="MigrationFailedException">The script failed; the ledger records it (failed, or dirty outside a transaction).</exception>
    public Task ApplyAsync(NpgsqlConnection connection, MigrationStep step, string deploy, CancellationToken cancellationToken) =>
        TracedAsync("up", step, deploy, () => ApplyCoreAsync(connection, step, deploy, cancellationToken));

    /// <summary>Rolls back one down step (its ledger row's deploy is kept).</summary>
    /// <exception cref="MigrationFailedException">The down script failed; in a transaction the version stays applied, outside one it is dirty.</exception>
    public Task RollBackAsync(NpgsqlConnection connection, MigrationStep step, CancellationToken cancellationToken) =>
        TracedAsync("down", step, step.Entry!.DeployId, () => RollBackCoreAsync(connection, step, cancellationToken));

    /// <summary>One step in a span of its own (<c>dataguard.migration.step</c>), counted and timed by direction and outcome.</summary>
    private async Task TracedAsync(string direction, MigrationStep step, string? deploy, Func<Task> run)
    {
        var started = time.GetTimestamp();
        // A script's error can quote a row's value (invalid input syntax for type integer: "..."): the message is withheld.
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.migration.step");
        activity?.SetTag("dataguard.migration.direction", direction);
        activity?.SetTag("dataguard.migration.version", step.Version);
        activity?.SetTag("dataguard.migration.title", step.Title);
        activity?.SetTag("dataguard.migration.transaction_mode", step.ModeText);
        if (deploy is not null)
        {
            activity?.SetTag("dataguard.migration.deploy_id", deploy);
        }

        try
        {
            await run().ConfigureAwait(false);
            activity?.SetTag("dataguard.migration.outcome", "succeeded");
            metrics.MigrationStep(direction, "succeeded", time.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex)
        {
            var outcome = ex is OperationCanceledException ? "cancelled" : "failed";
            activity?.SetTag("dataguard.migration.outcome", outcome);
            activity.Fail(ex);
            metrics.MigrationStep(direction, outcome, time.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }

    private async Task ApplyCoreAsync(NpgsqlConnection connection, MigrationStep step, string deploy, CancellationToken cancellationToken)
    {
        var migration = step.Migration!;
        var started = time.GetTimestamp();
        if (step.Mode == MigrationTransactionMode.InTransaction)
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await MigrationScriptRunner.RunAsync(connection, transaction, step, cancellationToken).ConfigureAwait(false);
                await PostgresMigrationLedger.UpsertAsync(connection, transaction, migration, "applied", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, null, application, cancellationToken).ConfigureAwait(false);
                await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, step.Version, "up", "succeeded", null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex) when (StillOpen(connection))
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "failed", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, ex.Message, application, CancellationToken.None).ConfigureAwait(false);
                await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "failed", ex.Message, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
                throw new MigrationFailedException($"Migration {migration.Version} ({migration.Source}) failed and was rolled back: {ex.Message}. Later migrations did not run.", ex) { Operation = "migrate.up" };
            }
            catch (Exception ex)
            {
                // Cancelled or the connection broke: the transaction did not commit, so nothing of it is applied; say so where the connection still allows.
                await interruption.TryRecordAsync(connection, transaction, step, "failed", MigrationInterruption.Describe(ex), (long)time.GetElapsedTime(started).TotalMilliseconds, deploy).ConfigureAwait(false);
                throw LostConnection(ex, $"Migration {migration.Version} ({migration.Source})", "It ran in one transaction with its ledger row, which did not report its commit: 'dataguard migrate status' says whether it is applied; if not, it runs again on the next 'migrate up'.");
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }

        // Outside a transaction (or in the script's own): mark the version dirty first, so that a kill, a lost
        // connection or a cancellation while the script runs leaves it dirty, never pending; success clears it.
        await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "dirty", 0, deploy, interruption.Unfinished(step.Mode), application, cancellationToken).ConfigureAwait(false);
        try
        {
            await MigrationScriptRunner.RunAsync(connection, null, step, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (StillOpen(connection))
        {
            // Part of a script outside a transaction may have run: the version is dirty until someone looks.
            await MigrationScriptRunner.AbortOpenTransactionAsync(connection).ConfigureAwait(false);
            var invalid = await MigrationScriptRunner.InvalidIndexesAsync(connection).ConfigureAwait(false);
            var error = ex.Message + (invalid.Length > 0 ? $" (INVALID indexes left behind: {invalid})" : string.Empty);
            await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "dirty", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, error, application, CancellationToken.None).ConfigureAwait(false);
            await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "dirty", error, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
            throw new MigrationFailedException($"Migration {migration.Version} ({migration.Source}) ran outside a transaction and failed midway: {error}. Version {migration.Version} is dirty; inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.", ex) { Operation = "migrate.up" };
        }
        catch (Exception ex)
        {
            await interruption.TryRecordAsync(connection, null, step, "dirty", MigrationInterruption.Describe(ex), (long)time.GetElapsedTime(started).TotalMilliseconds, deploy).ConfigureAwait(false);
            throw LostConnection(ex, $"Migration {migration.Version} ({migration.Source})", $"It ran outside DataGuard's transaction, so version {migration.Version} is dirty: inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.");
        }

        await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "applied", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, null, application, cancellationToken).ConfigureAwait(false);
        await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "succeeded", null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
    }

    private async Task RollBackCoreAsync(NpgsqlConnection connection, MigrationStep step, CancellationToken cancellationToken)
    {
        var deploy = step.Entry!.DeployId;
        var started = time.GetTimestamp();
        var inTransaction = step.Mode == MigrationTransactionMode.InTransaction;
        var transaction = inTransaction ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        if (!inTransaction)
        {
            await PostgresMigrationLedger.SetStateAsync(connection, null, step.Version, "dirty", interruption.Unfinished(step.Mode) + " (rolling back)", application, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await MigrationScriptRunner.RunAsync(connection, transaction, step, cancellationToken).ConfigureAwait(false);
            await PostgresMigrationLedger.SetStateAsync(connection, transaction, step.Version, "rolledback", null, application, cancellationToken).ConfigureAwait(false);
            await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, step.Version, "down", "succeeded", null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex) when (StillOpen(connection))
        {
            if (transaction is not null)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await MigrationScriptRunner.AbortOpenTransactionAsync(connection).ConfigureAwait(false);
                await PostgresMigrationLedger.SetStateAsync(connection, null, step.Version, "dirty", ex.Message, application, CancellationToken.None).ConfigureAwait(false);
            }

            await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "down", inTransaction ? "failed" : "dirty", ex.Message, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
            throw new MigrationFailedException($"Rolling back migration {step.Version} ({step.Title}) failed: {ex.Message}.{(inTransaction ? " It was rolled back and stays applied." : " It ran outside a transaction and is now dirty.")}", ex) { Operation = "migrate.down" };
        }
        catch (Exception ex)
        {
            // In a transaction nothing of the down script took effect: the version stays applied. Outside one it is dirty (the intent above).
            await interruption.TryRecordAsync(connection, transaction, step, inTransaction ? null : "dirty", MigrationInterruption.Describe(ex), (long)time.GetElapsedTime(started).TotalMilliseconds, deploy).ConfigureAwait(false);
            throw LostConnection(
                ex,
                $"Rolling back migration {step.Version} ({step.Title})",
                inTransaction
                    ? "Its down script ran in one transaction with its ledger row, which did not report its commit: 'dataguard migrate status' says whether it is still applied."
                    : $"It ran outside DataGuard's transaction, so version {step.Version} is dirty: inspect the schema, then 'dataguard migrate resolve {step.Version} --applied|--rolled-back'.");
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether the session survived the error: a script's own error leaves it open; a FATAL one (57P01 when the server
    /// shuts down or the session is terminated, 57P02, 57P03) ends it, and is handled as a lost connection.
    /// </summary>
    private static bool StillOpen(NpgsqlConnection connection) => connection.State == System.Data.ConnectionState.Open;

    /// <summary>A lost connection (PostgreSQL stopped or unreachable) becomes a failure that says what it interrupted and what state it left; anything else (a cancellation) is rethrown as it is.</summary>
    private static MigrationFailedException LostConnection(Exception ex, string what, string state)
    {
        if (ex is not (NpgsqlException or IOException or TimeoutException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }

        var cause = ex.InnerException is { } inner && inner.Message != ex.Message ? $"{ex.Message} ({inner.Message})" : ex.Message;
        return new MigrationFailedException($"{what} was interrupted: the connection to PostgreSQL was lost: {cause}. {state}", ex) { Operation = "migrate" };
    }
}
