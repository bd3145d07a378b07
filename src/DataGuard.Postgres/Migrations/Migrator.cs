using System.Diagnostics;
using System.Globalization;
using DataGuard.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// Applies and rolls back migrations under the migration lock: each in its own transaction together with its ledger row
/// (unless marked no-transaction, or the script has its own BEGIN/COMMIT), the whole file sent as one batch.
/// </summary>
public sealed class Migrator
{
    private readonly IOptions<PostgresOptions> _postgres;
    private readonly IOptions<MigrationsOptions> _options;
    private readonly IServiceProvider _services;

    /// <summary>Initializes a new instance of the <see cref="Migrator"/> class.</summary>
    /// <param name="postgres">The PostgreSQL options.</param>
    /// <param name="options">The migration options.</param>
    /// <param name="services">The services, for the safety net (backups, restore points).</param>
    public Migrator(IOptions<PostgresOptions> postgres, IOptions<MigrationsOptions> options, IServiceProvider services)
    {
        _postgres = postgres;
        _options = options;
        _services = services;
    }

    private string Application => _options.Value.Application
        ?? $"{System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name} {System.Reflection.Assembly.GetEntryAssembly()?.GetName().Version}";

    /// <summary>Compares the files with the ledger.</summary>
    /// <param name="set">The migration files.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One row per version known to either.</returns>
    public async Task<IReadOnlyList<MigrationStatusRow>> StatusAsync(MigrationSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = (await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.Version);
            var files = set.Migrations.ToDictionary(m => m.Version);
            return [.. files.Keys.Union(ledger.Keys).Order().Select(version =>
            {
                files.TryGetValue(version, out var file);
                ledger.TryGetValue(version, out var entry);
                var state = entry is null ? "pending" : entry.State switch
                {
                    MigrationState.Applied when file is null => "applied-missing-file",
                    MigrationState.Applied => "applied",
                    MigrationState.Failed => "failed",
                    MigrationState.RolledBack => "rolledback",
                    _ => "dirty",
                };
                var drifted = entry is { State: MigrationState.Applied } && file is not null && file.UpSha256 != entry.UpSha256;
                var irreversible = file?.Irreversible ?? entry!.Irreversible;
                var missingDown = !irreversible && file?.Down is null && entry?.Down is null;
                return new MigrationStatusRow(version, file?.Title ?? entry!.Title, state, drifted, missingDown, irreversible);
            })];
        }
    }

    /// <summary>The up steps a run would take, in order, running nothing.</summary>
    /// <param name="set">The migration files.</param>
    /// <param name="toVersion">The last version to apply, or all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The steps.</returns>
    public async Task<IReadOnlyList<PlannedStep>> PlanUpAsync(MigrationSet set, long? toVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            return [.. Pending(set, ledger, toVersion).Select(m => new PlannedStep(m.Version, m.Title, "up", m.Up, TransactionOf(m.NoTransaction, m.Up)))];
        }
    }

    /// <summary>Applies pending migrations in version order, as one deploy. Stops at the first failure.</summary>
    /// <param name="set">The migration files.</param>
    /// <param name="toVersion">The last version to apply, or all.</param>
    /// <param name="allowDrift">Run even when applied files changed (recorded).</param>
    /// <param name="cancellationToken">Cancels the run (between migrations, and the running statement).</param>
    /// <returns>The deploy, the steps taken, and the safety net made first.</returns>
    /// <exception cref="MigrationFailedException">A migration failed; the ledger records it.</exception>
    public async Task<MigrationRunResult> UpAsync(MigrationSet set, long? toVersion = null, bool allowDrift = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var deploy = NewDeployId();
        var connection = await MigrationLock.AcquireAsync(_postgres.Value.ConnectionString!, Application, _options.Value.LockTimeout, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, null, LedgerSchema.Create, cancellationToken).ConfigureAwait(false);
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            RefuseDirty(ledger);
            var drifted = ledger.Where(e => e.State == MigrationState.Applied)
                .Join(set.Migrations, e => e.Version, m => m.Version, (e, m) => (e, m))
                .Where(p => p.e.UpSha256 != p.m.UpSha256).Select(p => p.m.Source).ToList();
            if (drifted.Count > 0 && !allowDrift)
            {
                throw new DataGuardException($"Applied migrations changed since they ran (checksum drift): {string.Join(", ", drifted)}. Restore the files, or run with --allow-drift.") { Operation = "migrate.up" };
            }

            var pending = Pending(set, ledger, toVersion).ToList();
            var (backupId, restorePoint) = pending.Count == 0 ? (null, null) : await new MigrationSafetyNet(_services, _options.Value).PrepareAsync(deploy, cancellationToken).ConfigureAwait(false);
            var done = new List<PlannedStep>();
            foreach (var migration in pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await ApplyAsync(connection, migration, deploy, cancellationToken).ConfigureAwait(false);
                done.Add(new PlannedStep(migration.Version, migration.Title, "up", migration.Up, TransactionOf(migration.NoTransaction, migration.Up)));
            }

            return new MigrationRunResult(deploy, done, backupId, restorePoint);
        }
    }

    /// <summary>The down steps a rollback would take, in order, running nothing.</summary>
    /// <param name="set">The migration files (may lack the files of what is rolled back).</param>
    /// <param name="request">What to roll back.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The steps.</returns>
    public async Task<IReadOnlyList<PlannedStep>> PlanDownAsync(MigrationSet set, DownRequest request, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            return DownSteps(set, ledger, request);
        }
    }

    /// <summary>Rolls back applied migrations, newest first, each with its down script in a transaction with its ledger row.</summary>
    /// <param name="set">The migration files (a down script missing from them is taken from the ledger).</param>
    /// <param name="request">What to roll back.</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>The run, the steps taken, and the safety net made first.</returns>
    public async Task<MigrationRunResult> DownAsync(MigrationSet set, DownRequest request, CancellationToken cancellationToken = default)
    {
        var run = NewDeployId();
        var connection = await MigrationLock.AcquireAsync(_postgres.Value.ConnectionString!, Application, _options.Value.LockTimeout, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            RefuseDirty(ledger);
            var steps = DownSteps(set, ledger, request);
            var (backupId, restorePoint) = steps.Count == 0 ? (null, null) : await new MigrationSafetyNet(_services, _options.Value).PrepareAsync(run, cancellationToken).ConfigureAwait(false);
            foreach (var step in steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await RollBackAsync(connection, step, ledger.Single(e => e.Version == step.Version), cancellationToken).ConfigureAwait(false);
            }

            return new MigrationRunResult(run, steps, backupId, restorePoint);
        }
    }

    /// <summary>Clears a dirty (or failed) version on purpose, recording who did it.</summary>
    /// <param name="version">The version.</param>
    /// <param name="applied">True: the migration's effect is in place; false: it is not (rolled back).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public async Task ResolveAsync(long version, bool applied, CancellationToken cancellationToken = default)
    {
        var connection = await MigrationLock.AcquireAsync(_postgres.Value.ConnectionString!, Application, _options.Value.LockTimeout, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var entry = ledger.FirstOrDefault(e => e.Version == version)
                ?? throw new DataGuardException($"Version {version} is not in the ledger.") { Operation = "migrate.resolve" };
            var state = applied ? "applied" : "rolledback";
            await RecordAsync(connection, null, LedgerSchema.SetState, entry.Version, state, null, 0, entry.DeployId, cancellationToken).ConfigureAwait(false);
            await RecordAsync(connection, null, LedgerSchema.History, entry.Version, "resolve", $"resolved as {state} (was {entry.State})", 0, entry.DeployId, cancellationToken, direction: "resolve").ConfigureAwait(false);
        }
    }

    private static string NewDeployId() =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}");

    private static IEnumerable<Migration> Pending(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, long? toVersion)
    {
        var applied = ledger.Where(e => e.State == MigrationState.Applied).Select(e => e.Version).ToHashSet();
        return set.Migrations.Where(m => !applied.Contains(m.Version) && (toVersion is null || m.Version <= toVersion));
    }

    private static void RefuseDirty(IReadOnlyList<LedgerEntry> ledger)
    {
        var dirty = ledger.FirstOrDefault(e => e.State == MigrationState.Dirty);
        if (dirty is not null)
        {
            throw new DataGuardException($"Version {dirty.Version} ({dirty.Title}) is dirty: it ran outside a transaction and did not finish ({dirty.Error}). Inspect the schema, then run 'dataguard migrate resolve {dirty.Version} --applied' or '--rolled-back'.") { Operation = "migrate" };
        }
    }

    private static string TransactionOf(bool noTransaction, string script) =>
        noTransaction ? "no-transaction" : ScriptAnalysis.ManagesOwnTransaction(script) ? "own-transaction" : "in-transaction";

    private static List<PlannedStep> DownSteps(MigrationSet set, IReadOnlyList<LedgerEntry> ledger, DownRequest request)
    {
        var applied = ledger.Where(e => e.State == MigrationState.Applied).OrderByDescending(e => e.Version).ToList();
        var targets = request switch
        {
            { Deploy: { } deploy } => applied.Where(e => e.DeployId == deploy).ToList(),
            { ToVersion: { } to } => applied.Where(e => e.Version > to).ToList(),
            { Steps: { } count } => applied.Take(count).ToList(),
            _ => applied.Take(1).ToList(),
        };
        var files = set.Migrations.ToDictionary(m => m.Version);
        var steps = new List<PlannedStep>();
        foreach (var entry in targets)
        {
            files.TryGetValue(entry.Version, out var file);
            if (entry.Irreversible || file?.Irreversible == true)
            {
                throw new DataGuardException($"Version {entry.Version} ({entry.Title}) is irreversible; the rollback stops before it and nothing was run.") { Operation = "migrate.down" };
            }

            var script = ChooseDown(entry, file, request.Prefer);
            steps.Add(new PlannedStep(entry.Version, entry.Title, "down", script, TransactionOf(entry.NoTransaction, script)));
        }

        return steps;
    }

    private static string ChooseDown(LedgerEntry entry, Migration? file, string? prefer)
    {
        var fromFile = file?.Down;
        var fromLedger = entry.Down;
        if (fromFile is null && fromLedger is null)
        {
            throw new DataGuardException($"Version {entry.Version} ({entry.Title}) has no down script, in the files or in the ledger; nothing was run.") { Operation = "migrate.down" };
        }

        if (fromFile is null || fromLedger is null || MigrationDirectory.Sha256(fromFile) == entry.DownSha256)
        {
            return fromFile ?? fromLedger!;
        }

        return prefer switch
        {
            "file" => fromFile,
            "ledger" => fromLedger,
            _ => throw new DataGuardException($"Version {entry.Version}: the down script in the files differs from the one recorded when it was applied; choose with --prefer file or --prefer ledger. Nothing was run.") { Operation = "migrate.down" },
        };
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_postgres.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, string deploy, CancellationToken cancellationToken)
    {
        var mode = TransactionOf(migration.NoTransaction, migration.Up);
        var stopwatch = Stopwatch.StartNew();
        if (mode == "in-transaction")
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await ExecuteAsync(connection, transaction, migration.Up, cancellationToken).ConfigureAwait(false);
                await UpsertAsync(connection, transaction, migration, "applied", stopwatch.ElapsedMilliseconds, deploy, null, cancellationToken).ConfigureAwait(false);
                await RecordAsync(connection, transaction, LedgerSchema.History, migration.Version, "succeeded", null, stopwatch.ElapsedMilliseconds, deploy, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                await UpsertAsync(connection, null, migration, "failed", stopwatch.ElapsedMilliseconds, deploy, ex.Message, CancellationToken.None).ConfigureAwait(false);
                await RecordAsync(connection, null, LedgerSchema.History, migration.Version, "failed", ex.Message, stopwatch.ElapsedMilliseconds, deploy, CancellationToken.None).ConfigureAwait(false);
                throw new MigrationFailedException($"Migration {migration.Version} ({migration.Source}) failed and was rolled back: {ex.Message}. Later migrations did not run.", ex) { Operation = "migrate.up" };
            }
            catch (Exception ex)
            {
                // Cancelled or the connection broke: the transaction did not commit, so nothing of it is applied; say so where the connection still allows.
                await TryRecordInterruptionAsync(connection, transaction, migration.Version, "failed", Interrupted(ex), stopwatch.ElapsedMilliseconds, deploy, "up", migration).ConfigureAwait(false);
                throw LostConnection(ex, $"Migration {migration.Version} ({migration.Source})", "It ran in one transaction with its ledger row, which did not report its commit: 'dataguard migrate status' says whether it is applied; if not, it runs again on the next 'migrate up'.");
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }

        // Outside a transaction (or in the script's own): mark the version dirty first, so that a kill, a lost
        // connection or a cancellation while the script runs leaves it dirty, never pending; success clears it.
        await UpsertAsync(connection, null, migration, "dirty", 0, deploy, Unfinished(mode), cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null, migration.Up, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            // Part of a script outside a transaction may have run: the version is dirty until someone looks.
            await ExecuteAsync(connection, null, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
            var invalid = await InvalidIndexesAsync(connection).ConfigureAwait(false);
            var error = ex.Message + (invalid.Length > 0 ? $" (INVALID indexes left behind: {invalid})" : string.Empty);
            await UpsertAsync(connection, null, migration, "dirty", stopwatch.ElapsedMilliseconds, deploy, error, CancellationToken.None).ConfigureAwait(false);
            await RecordAsync(connection, null, LedgerSchema.History, migration.Version, "dirty", error, stopwatch.ElapsedMilliseconds, deploy, CancellationToken.None).ConfigureAwait(false);
            throw new MigrationFailedException($"Migration {migration.Version} ({migration.Source}) ran outside a transaction and failed midway: {error}. Version {migration.Version} is dirty; inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.", ex) { Operation = "migrate.up" };
        }
        catch (Exception ex)
        {
            await TryRecordInterruptionAsync(connection, null, migration.Version, "dirty", Interrupted(ex), stopwatch.ElapsedMilliseconds, deploy, "up", migration).ConfigureAwait(false);
            throw LostConnection(ex, $"Migration {migration.Version} ({migration.Source})", $"It ran outside DataGuard's transaction, so version {migration.Version} is dirty: inspect the schema, then 'dataguard migrate resolve {migration.Version} --applied|--rolled-back'.");
        }

        await UpsertAsync(connection, null, migration, "applied", stopwatch.ElapsedMilliseconds, deploy, null, cancellationToken).ConfigureAwait(false);
        await RecordAsync(connection, null, LedgerSchema.History, migration.Version, "succeeded", null, stopwatch.ElapsedMilliseconds, deploy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A lost connection (PostgreSQL stopped or unreachable) becomes a failure that says what it interrupted and what state it left; anything else (a cancellation) is rethrown as it is.</summary>
    private static Exception LostConnection(Exception ex, string what, string state)
    {
        if (ex is not (NpgsqlException or IOException or TimeoutException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
        }

        var cause = ex.InnerException is { } inner && inner.Message != ex.Message ? $"{ex.Message} ({inner.Message})" : ex.Message;
        return new MigrationFailedException($"{what} was interrupted: the connection to PostgreSQL was lost: {cause}. {state}", ex) { Operation = "migrate" };
    }

    private static string Unfinished(string mode) =>
        $"started {DateTimeOffset.UtcNow:O} ({mode}) and did not report success: the process stopped, the connection was lost or the run was cancelled while the script ran; inspect the schema, then resolve";

    private static string Interrupted(Exception ex) => ex is OperationCanceledException ? "interrupted: the run was cancelled while the script ran" : $"interrupted: {ex.GetType().Name}: {ex.Message}";

    /// <summary>Records an interruption in the ledger and its history, on this connection when it still works (after a rollback), else on a new one; never throws.</summary>
    private async Task TryRecordInterruptionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long version, string? state, string error, long ms, string deploy, string direction, Migration? migration)
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
                fresh = target = new NpgsqlConnection(_postgres.Value.ConnectionString);
                await fresh.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await using (fresh)
            {
                if (state is null)
                {
                    // Nothing changed: the version keeps its state; only the history says what happened.
                }
                else if (migration is not null)
                {
                    await UpsertAsync(target, null, migration, state, ms, deploy, error, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await RecordAsync(target, null, LedgerSchema.SetState, version, state, error, ms, deploy, CancellationToken.None).ConfigureAwait(false);
                }

                await RecordAsync(target, null, LedgerSchema.History, version, "interrupted", error, ms, deploy, CancellationToken.None, direction: direction).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The intent row already says what happened (dirty), or nothing was applied (in-transaction).
        }
    }

    private async Task RollBackAsync(NpgsqlConnection connection, PlannedStep step, LedgerEntry entry, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var inTransaction = step.Transaction == "in-transaction";
        var transaction = inTransaction ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        if (!inTransaction)
        {
            await RecordAsync(connection, null, LedgerSchema.SetState, step.Version, "dirty", Unfinished(step.Transaction) + " (rolling back)", 0, entry.DeployId, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await ExecuteAsync(connection, transaction, step.Script, cancellationToken).ConfigureAwait(false);
            await RecordAsync(connection, transaction, LedgerSchema.SetState, step.Version, "rolledback", null, stopwatch.ElapsedMilliseconds, entry.DeployId, cancellationToken).ConfigureAwait(false);
            await RecordAsync(connection, transaction, LedgerSchema.History, step.Version, "succeeded", null, stopwatch.ElapsedMilliseconds, entry.DeployId, cancellationToken, direction: "down").ConfigureAwait(false);
            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex)
        {
            if (transaction is not null)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(connection, null, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
                await RecordAsync(connection, null, LedgerSchema.SetState, step.Version, "dirty", ex.Message, 0, entry.DeployId, CancellationToken.None).ConfigureAwait(false);
            }

            await RecordAsync(connection, null, LedgerSchema.History, step.Version, inTransaction ? "failed" : "dirty", ex.Message, stopwatch.ElapsedMilliseconds, entry.DeployId, CancellationToken.None, direction: "down").ConfigureAwait(false);
            throw new MigrationFailedException($"Rolling back migration {step.Version} ({step.Title}) failed: {ex.Message}.{(inTransaction ? " It was rolled back and stays applied." : " It ran outside a transaction and is now dirty.")}", ex) { Operation = "migrate.down" };
        }
        catch (Exception ex)
        {
            // In a transaction nothing of the down script took effect: the version stays applied. Outside one it is dirty (the intent above).
            await TryRecordInterruptionAsync(connection, transaction, step.Version, inTransaction ? null : "dirty", Interrupted(ex), stopwatch.ElapsedMilliseconds, entry.DeployId, "down", null).ConfigureAwait(false);
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

    private static async Task<string> InvalidIndexesAsync(NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand("SELECT coalesce(string_agg(indexrelid::regclass::text, ', '), '') FROM pg_index WHERE NOT indisvalid", connection);
        await using (command.ConfigureAwait(false))
        {
            return (string)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
    }

    private async Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Migration migration, string state, long ms, string deploy, string? error, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(LedgerSchema.Upsert, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("version", migration.Version);
            command.Parameters.AddWithValue("title", migration.Title);
            command.Parameters.AddWithValue("state", state);
            command.Parameters.AddWithValue("up_sha", migration.UpSha256);
            command.Parameters.AddWithValue("down_sha", (object?)migration.DownSha256 ?? DBNull.Value);
            command.Parameters.AddWithValue("down", (object?)migration.Down ?? DBNull.Value);
            command.Parameters.AddWithValue("no_tx", migration.NoTransaction);
            command.Parameters.AddWithValue("irreversible", migration.Irreversible);
            command.Parameters.AddWithValue("app", Application);
            command.Parameters.AddWithValue("ms", ms);
            command.Parameters.AddWithValue("deploy", deploy);
            command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, long version, string outcomeOrState, string? error, long ms, string? deploy, CancellationToken cancellationToken, string direction = "up")
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("version", version);
            command.Parameters.AddWithValue("state", outcomeOrState);
            command.Parameters.AddWithValue("outcome", outcomeOrState);
            command.Parameters.AddWithValue("direction", direction);
            command.Parameters.AddWithValue("app", Application);
            command.Parameters.AddWithValue("ms", ms);
            command.Parameters.AddWithValue("deploy", (object?)deploy ?? DBNull.Value);
            command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
