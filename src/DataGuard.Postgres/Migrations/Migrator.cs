using System.Globalization;
using DataGuard.Migrations;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// Applies and rolls back migrations under the migration lock: each in its own transaction together with its ledger row
/// (unless marked no-transaction, or the script has its own BEGIN/COMMIT), the whole file sent as one batch.
/// </summary>
/// <remarks>
/// The facade over the parts: <see cref="MigrationPlanner"/> decides (no I/O), <see cref="MigrationExecutor"/> runs the
/// steps and keeps the ledger true, <see cref="PostgresMigrationLedger"/> reads and writes the ledger, and
/// <see cref="MigrationSafetyNet"/> takes a backup and a restore point before anything changes.
/// </remarks>
public sealed class Migrator
{
    private readonly IOptions<MigrationsOptions> _options;
    private readonly MigrationServices _services;

    /// <summary>Initializes a new instance of the <see cref="Migrator"/> class.</summary>
    /// <param name="services">The database, the safety net's parts and the clock.</param>
    /// <param name="options">The migration options.</param>
    internal Migrator(MigrationServices services, IOptions<MigrationsOptions> options)
    {
        _services = services;
        _options = options;
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
        return MigrationPlanner.Status(set, await ReadLedgerAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The up steps a run would take, in order, running nothing.</summary>
    /// <param name="set">The migration files.</param>
    /// <param name="toVersion">The last version to apply, or all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The steps.</returns>
    public async Task<IReadOnlyList<PlannedStep>> PlanUpAsync(MigrationSet set, long? toVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var ledger = await ReadLedgerAsync(cancellationToken).ConfigureAwait(false);
        return [.. MigrationPlanner.PlanUp(set, ledger, toVersion).Select(s => s.ToPlanned())];
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
        using var activity = StartRun("up", deploy);
        try
        {
            return await UpCoreAsync(set, toVersion, allowDrift, deploy, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<MigrationRunResult> UpCoreAsync(MigrationSet set, long? toVersion, bool allowDrift, string deploy, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            activity.SetDatabase(connection);
            await PostgresMigrationLedger.EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            if (ledger.Count == 0 && await ForeignLedger.DetectAsync(connection, set, cancellationToken).ConfigureAwait(false) is { Applied.Count: > 0 } foreign)
            {
                throw new DataGuardException($"This database was migrated by another tool ({foreign.Summary}) and DataGuard's ledger is empty: 'up' would run those migrations again. Run 'dataguard migrate adopt' first. Nothing was run.") { Operation = "migrate.up" };
            }

            var pending = MigrationPlanner.Up(set, ledger, toVersion, allowDrift);
            activity?.SetTag("dataguard.migration.step_count", pending.Count);
            var (backupId, restorePoint) = pending.Count == 0 ? (null, null) : await new MigrationSafetyNet(_services, _options.Value).PrepareAsync(deploy, cancellationToken).ConfigureAwait(false);
            var executor = NewExecutor();
            var done = new List<PlannedStep>();
            foreach (var step in pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await executor.ApplyAsync(connection, step, deploy, cancellationToken).ConfigureAwait(false);
                done.Add(step.ToPlanned());
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
        var ledger = await ReadLedgerAsync(cancellationToken).ConfigureAwait(false);
        return [.. MigrationPlanner.PlanDown(set, ledger, request).Select(s => s.ToPlanned())];
    }

    /// <summary>Rolls back applied migrations, newest first, each with its down script in a transaction with its ledger row.</summary>
    /// <param name="set">The migration files (a down script missing from them is taken from the ledger).</param>
    /// <param name="request">What to roll back.</param>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>The run, the steps taken, and the safety net made first.</returns>
    public async Task<MigrationRunResult> DownAsync(MigrationSet set, DownRequest request, CancellationToken cancellationToken = default)
    {
        var run = NewDeployId();
        using var activity = StartRun("down", run);
        try
        {
            return await DownCoreAsync(set, request, run, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<MigrationRunResult> DownCoreAsync(MigrationSet set, DownRequest request, string run, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            activity.SetDatabase(connection);
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var steps = MigrationPlanner.Down(set, ledger, request);
            activity?.SetTag("dataguard.migration.step_count", steps.Count);
            var (backupId, restorePoint) = steps.Count == 0 ? (null, null) : await new MigrationSafetyNet(_services, _options.Value).PrepareAsync(run, cancellationToken).ConfigureAwait(false);
            var executor = NewExecutor();
            foreach (var step in steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await executor.RollBackAsync(connection, step, cancellationToken).ConfigureAwait(false);
            }

            return new MigrationRunResult(run, [.. steps.Select(s => s.ToPlanned())], backupId, restorePoint);
        }
    }

    /// <summary>Clears a dirty (or failed) version on purpose, recording who did it.</summary>
    /// <param name="version">The version.</param>
    /// <param name="applied">True: the migration's effect is in place; false: it is not (rolled back).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public async Task ResolveAsync(long version, bool applied, CancellationToken cancellationToken = default)
    {
        var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var entry = MigrationPlanner.ResolveTarget(ledger, version);
            var state = applied ? "applied" : "rolledback";
            await PostgresMigrationLedger.SetStateAsync(connection, null, entry.Version, state, null, Application, cancellationToken).ConfigureAwait(false);
            await PostgresMigrationLedger.AppendHistoryAsync(connection, null, entry.Version, "resolve", "resolve", $"resolved as {state} (was {entry.State})", 0, entry.DeployId, Application, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records in DataGuard's empty ledger what golang-migrate's, dbmate's or Flyway's ledger says is applied (see <see cref="MigrationAdopter"/>).</summary>
    /// <exception cref="DataGuardException">DataGuard's ledger is not empty, or no foreign ledger was found.</exception>
    internal async Task<AdoptionResult> AdoptAsync(MigrationSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await MigrationAdopter.AdoptAsync(connection, set, "adopt-" + NewDeployId(), Application, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Another tool's ledger, when DataGuard's is empty (what <c>migrate status</c> points out on a first run); else <see langword="null"/>.</summary>
    internal async Task<ForeignLedgerState?> DetectForeignLedgerAsync(MigrationSet set, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            return ledger.Count > 0 ? null : await ForeignLedger.DetectAsync(connection, set, cancellationToken).ConfigureAwait(false);
        }
    }

    private string NewDeployId() =>
        string.Create(CultureInfo.InvariantCulture, $"{_services.Time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}");

    private MigrationExecutor NewExecutor() => new(Application, new MigrationInterruption(Application, OpenAsync, _services.Time), _services.Metrics, _services.Time, _options.Value.SourceLedger);

    /// <summary>
    /// A span for one run of migrations (<c>dataguard.migration.run</c>); each step is a child span. Migrations read and
    /// write rows (a failing conversion quotes the row's value), so failures below it withhold their messages.
    /// </summary>
    private static System.Diagnostics.Activity? StartRun(string direction, string deploy)
    {
        var activity = DataGuardActivitySource.StartPersonal("dataguard.migration.run");
        activity?.SetTag("dataguard.migration.direction", direction);
        activity?.SetTag("dataguard.migration.deploy_id", deploy);
        return activity;
    }

    private Task<NpgsqlConnection> LockAsync(CancellationToken cancellationToken) =>
        MigrationLock.AcquireAsync(_services.DataSource, Application, _options.Value.LockTimeout, _services.Time, cancellationToken);

    private async Task<IReadOnlyList<LedgerEntry>> ReadLedgerAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _services.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
}
