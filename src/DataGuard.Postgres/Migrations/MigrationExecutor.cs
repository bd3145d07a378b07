using System.Diagnostics;
using DataGuard.Migrations;
using DataGuard.Telemetry;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// Runs the steps the planner decided on, on the connection that holds the migration lock, and keeps the ledger true
/// whatever happens: in DataGuard's transaction the script and its ledger row commit together; outside it (no
/// transaction, or the script's own) the version is marked dirty before the script starts and cleared by its success,
/// so that a kill, a lost connection or a cancellation leaves it dirty, never pending.
/// </summary>
/// <remarks>With a <c>sourceLedger</c> (<see cref="MigrationsOptions.SourceLedger"/>), that tool's ledger table is brought in step after every ledger change.</remarks>
internal sealed class MigrationExecutor(string application, MigrationInterruption interruption, DataGuardMetrics metrics, TimeProvider time, string? sourceLedger = null)
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
                await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, step.Version, "up", Succeeded(step), null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
                await SyncSourceLedgerAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is MigrationScriptException or PostgresException && StillOpen(connection))
            {
                // The first error only: the transaction is rolled back before anything else is sent, so no 25P02 follows it.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                var error = Describe(step, ex);
                await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "failed", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, error, application, CancellationToken.None).ConfigureAwait(false);
                await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "failed", error, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
                throw new MigrationFailedException($"Migration {migration.Version} failed and was rolled back: {error}. Later migrations did not run.", Cause(ex)) { Operation = "migrate.up" };
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
        await SyncSourceLedgerAsync(connection, null, cancellationToken).ConfigureAwait(false);
        try
        {
            await MigrationScriptRunner.RunAsync(connection, null, step, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MigrationScriptException or PostgresException && StillOpen(connection))
        {
            await MigrationScriptRunner.AbortOpenTransactionAsync(connection).ConfigureAwait(false);
            if (ex is MigrationScriptException { AppliedNothing: true })
            {
                // It failed before anything of it was committed (first statement, or inside its own BEGIN): failed, not dirty.
                var failed = Describe(step, ex);
                await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "failed", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, failed, application, CancellationToken.None).ConfigureAwait(false);
                await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "failed", failed, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
                throw new MigrationFailedException($"Migration {migration.Version} failed before any of it was committed ({step.ModeText}): {failed}. Nothing of it is applied; later migrations did not run.", Cause(ex)) { Operation = "migrate.up" };
            }

            // Part of a script outside a transaction may have run: the version is dirty until someone looks.
            var error = await DescribeDirtyAsync(connection, step, ex).ConfigureAwait(false);
            await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "dirty", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, error, application, CancellationToken.None).ConfigureAwait(false);
            await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", "dirty", error, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
            throw new MigrationFailedException($"Migration {migration.Version} ran outside a transaction ({step.ModeText}) and failed: {error}. Version {migration.Version} is dirty; inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.", Cause(ex)) { Operation = "migrate.up" };
        }
        catch (Exception ex)
        {
            await interruption.TryRecordAsync(connection, null, step, "dirty", MigrationInterruption.Describe(ex), (long)time.GetElapsedTime(started).TotalMilliseconds, deploy).ConfigureAwait(false);
            throw LostConnection(ex, $"Migration {migration.Version} ({migration.Source})", $"It ran outside DataGuard's transaction, so version {migration.Version} is dirty: inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.");
        }

        await PostgresMigrationLedger.UpsertAsync(connection, null, migration, "applied", (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, null, application, cancellationToken).ConfigureAwait(false);
        await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "up", Succeeded(step), null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
        await SyncSourceLedgerAsync(connection, null, cancellationToken).ConfigureAwait(false);
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
            await SyncSourceLedgerAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await MigrationScriptRunner.RunAsync(connection, transaction, step, cancellationToken).ConfigureAwait(false);
            await PostgresMigrationLedger.SetStateAsync(connection, transaction, step.Version, "rolledback", null, application, cancellationToken).ConfigureAwait(false);
            await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, step.Version, "down", Succeeded(step), null, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, cancellationToken).ConfigureAwait(false);
            await SyncSourceLedgerAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MigrationScriptException or PostgresException && StillOpen(connection))
        {
            // Nothing of the down script took effect in DataGuard's transaction, or before its own COMMIT: the version stays applied.
            var appliedNothing = inTransaction || ex is MigrationScriptException { AppliedNothing: true };
            string error;
            if (transaction is not null)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await MigrationScriptRunner.AbortOpenTransactionAsync(connection).ConfigureAwait(false);
            }

            if (appliedNothing)
            {
                error = Describe(step, ex);
                await PostgresMigrationLedger.SetErrorAsync(connection, step.Version, "applied", $"down failed, still applied: {error}", CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                error = await DescribeDirtyAsync(connection, step, ex).ConfigureAwait(false);
                await PostgresMigrationLedger.SetStateAsync(connection, null, step.Version, "dirty", error, application, CancellationToken.None).ConfigureAwait(false);
            }

            await PostgresMigrationLedger.AppendHistoryAsync(connection, null, step.Version, "down", appliedNothing ? "failed" : "dirty", error, (long)time.GetElapsedTime(started).TotalMilliseconds, deploy, application, CancellationToken.None).ConfigureAwait(false);
            throw new MigrationFailedException($"Rolling back migration {step.Version} ({step.Title}) failed: {error}.{(appliedNothing ? " Nothing of it was committed, so it stays applied; the rollback stopped there." : $" It ran outside a transaction ({step.ModeText}) and version {step.Version} is now dirty; inspect the schema, then 'dataguard migrate resolve {step.Version} --applied|--rolled-back'.")}", Cause(ex)) { Operation = "migrate.down" };
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

    private Task SyncSourceLedgerAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        sourceLedger is null ? Task.CompletedTask : ForeignLedger.SyncAsync(connection, transaction, sourceLedger, cancellationToken);

    /// <summary>The history outcome of a script that ran to the end: <c>no-op</c> for an empty or comment-only one.</summary>
    private static string Succeeded(MigrationStep step) => SqlLexer.IsEmpty(step.Script) ? "no-op" : "succeeded";

    private static string Describe(MigrationStep step, Exception ex) => ex is MigrationScriptException script
        ? MigrationErrorText.Describe(step, script)
        : $"{step.SourceText}: {MigrationErrorText.Describe((PostgresException)ex)}";

    /// <summary>The server's error as the exception's cause (so callers can read its SQLSTATE), else the script failure itself.</summary>
    private static Exception Cause(Exception ex) => ex is MigrationScriptException { Postgres: { } pg } ? pg : ex;

    /// <summary>The error of a script that failed outside a transaction, with the INVALID indexes a failed concurrent build left behind.</summary>
    private static async Task<string> DescribeDirtyAsync(NpgsqlConnection connection, MigrationStep step, Exception ex)
    {
        var invalid = await MigrationScriptRunner.InvalidIndexesAsync(connection).ConfigureAwait(false);
        return Describe(step, ex) + (invalid.Length > 0 ? $" (INVALID indexes left behind: {invalid})" : string.Empty);
    }

    /// <summary>A lost connection (PostgreSQL stopped or unreachable) becomes a failure that says what it interrupted and what state it left; anything else (a cancellation) is rethrown as it is.</summary>
    private static MigrationFailedException LostConnection(Exception ex, string what, string state)
    {
        // A statement's failure arrives wrapped with its place in the file; the connection's loss is what it wraps.
        var lost = ex is MigrationScriptException { InnerException: { } wrapped } ? wrapped : ex;
        if (lost is not (NpgsqlException or IOException or TimeoutException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }

        var cause = lost.InnerException is { } inner && inner.Message != lost.Message ? $"{lost.Message} ({inner.Message})" : lost.Message;
        return new MigrationFailedException($"{what} was interrupted: the connection to PostgreSQL was lost: {cause}. {state}", lost) { Operation = "migrate" };
    }
}
