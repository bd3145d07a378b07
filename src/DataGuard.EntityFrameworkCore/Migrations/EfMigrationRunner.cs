using System.Globalization;
using DataGuard.Migrations;
using DataGuard.Postgres;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Migrations.EntityFramework;
using DataGuard.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.EntityFrameworkCore.Migrations;

/// <summary>
/// Applies and adopts one context's migrations through DataGuard: under the migration lock (the one the SQL-directory
/// migrator and the CLI take), EF's history and the ledger are read, the pending migrations' scripts generated, the
/// safety net taken, and each migration run by DataGuard's <see cref="MigrationExecutor"/> (its up SQL, which writes
/// EF's history row, and DataGuard's ledger row in one transaction; outside one when EF suppresses the transaction).
/// </summary>
internal sealed class EfMigrationRunner<TContext>(
    IServiceProvider services,
    MigrationServices migrationServices,
    IOptions<MigrationsOptions> options,
    MigrationRehearser rehearser,
    ILogger<EfMigrationRunner<TContext>> logger)
    where TContext : DbContext
{
    private string Application => options.Value.Application
        ?? $"{System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name} {System.Reflection.Assembly.GetEntryAssembly()?.GetName().Version}";

    public async Task<MigrationRunResult> ApplyAsync(CancellationToken cancellationToken)
    {
        var deploy = NewDeployId();
        using var activity = DataGuardActivitySource.Start("dataguard.migration.run");
        activity?.SetTag("dataguard.migration.direction", "up");
        activity?.SetTag("dataguard.migration.deploy_id", deploy);
        activity?.SetTag("dataguard.migration.source", "efcore");
        try
        {
            var scope = services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                ReportPendingModelChanges(context);
                var scripts = new EfMigrationScripts(context);
                var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    activity.SetDatabase(connection);
                    await CheckSameDatabaseAsync(context, connection, cancellationToken).ConfigureAwait(false);
                    await PostgresMigrationLedger.EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
                    var history = (await EfHistory.ReadIdsAsync(connection, scripts.HistoryTable, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
                    var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
                    MigrationPlanner.RefuseDirty(ledger);
                    var origins = await EfHistory.ReadOriginsAsync(connection, cancellationToken).ConfigureAwait(false);
                    WarnUnadopted(scripts, history, ledger, origins);
                    var pending = scripts.Ids.Where(id => !history.Contains(id)).ToList();
                    var steps = pending.Select(id => Step(scripts.ToLedger(id, "efcore"), ledger, origins)).ToList();
                    activity?.SetTag("dataguard.migration.step_count", steps.Count);
                    if (steps.Count == 0)
                    {
                        EfCoreLog.NothingPending(logger, typeof(TContext).Name);
                        return new MigrationRunResult(deploy, [], null, null);
                    }

                    var (backupId, restorePoint) = await new MigrationSafetyNet(migrationServices, options.Value).PrepareAsync(deploy, cancellationToken).ConfigureAwait(false);
                    var executor = new MigrationExecutor(Application, new MigrationInterruption(Application, OpenAsync, migrationServices.Time), migrationServices.Metrics, migrationServices.Time);
                    var done = new List<PlannedStep>();
                    foreach (var step in steps)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await executor.ApplyAsync(connection, step, deploy, cancellationToken).ConfigureAwait(false);
                        EfCoreLog.Applied(logger, step.Migration!.Origin.Id!, step.ModeText, deploy);
                        done.Add(step.ToPlanned());
                    }

                    return new MigrationRunResult(deploy, done, backupId, restorePoint);
                }
            }
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    public async Task<IReadOnlyList<string>> AdoptAsync(CancellationToken cancellationToken)
    {
        var deploy = NewDeployId();
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            var scripts = new EfMigrationScripts(context);
            var connection = await LockAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await CheckSameDatabaseAsync(context, connection, cancellationToken).ConfigureAwait(false);
                await PostgresMigrationLedger.EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
                var history = await EfHistory.ReadIdsAsync(connection, scripts.HistoryTable, cancellationToken).ConfigureAwait(false);
                var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
                var origins = await EfHistory.ReadOriginsAsync(connection, cancellationToken).ConfigureAwait(false);
                var unknown = history.Where(id => !scripts.Ids.Contains(id, StringComparer.Ordinal)).ToList();
                if (unknown.Count > 0)
                {
                    EfCoreLog.UnknownHistory(logger, scripts.HistoryTable, string.Join(", ", unknown));
                }

                var toAdopt = scripts.Ids.Where(id => history.Contains(id, StringComparer.Ordinal) && !IsAppliedInLedger(id, ledger, origins)).ToList();
                var migrations = toAdopt.Select(id => scripts.ToLedger(id, "efcore-adopted")).ToList();
                foreach (var migration in migrations)
                {
                    RefuseForeign(migration, ledger, origins);
                }

                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    foreach (var migration in migrations)
                    {
                        await PostgresMigrationLedger.UpsertAsync(connection, transaction, migration, "applied", 0, deploy, null, Application, cancellationToken).ConfigureAwait(false);
                        await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, migration.Version, "adopt", "succeeded", $"EF Core applied {migration.Origin.Id} outside DataGuard; adopted with a down script generated from {typeof(TContext).Assembly.GetName().Name} {typeof(TContext).Assembly.GetName().Version}", 0, deploy, Application, cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                foreach (var id in toAdopt)
                {
                    EfCoreLog.Adopted(logger, id, deploy);
                }

                return toAdopt;
            }
        }
    }

    /// <summary>
    /// Rehearses the pending migrations (pending for EF: not in its history) with the rehearser of <c>migrate
    /// rehearse</c>: up, down and up again on a scratch copy of the schema, recorded in the ledger's history.
    /// </summary>
    public async Task<IReadOnlyList<string>> RehearseAsync(CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            ReportPendingModelChanges(context);
            var scripts = new EfMigrationScripts(context);
            HashSet<string> history;
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await CheckSameDatabaseAsync(context, connection, cancellationToken).ConfigureAwait(false);
                history = (await EfHistory.ReadIdsAsync(connection, scripts.HistoryTable, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            }

            var pending = scripts.Ids.Where(id => !history.Contains(id)).Select(id => scripts.ToLedger(id, "efcore")).ToList();
            var rehearsals = await rehearser.RehearseAsync(new MigrationSet(pending, []), cancellationToken).ConfigureAwait(false);
            var rehearsed = rehearsals.Select(r => r.Version).ToHashSet();
            return [.. pending.Where(m => rehearsed.Contains(m.Version)).Select(m => m.Origin.Id!)];
        }
    }

    /// <summary>
    /// Reports what EF Core's <c>Migrate()</c> reports before it runs anything: no migrations at all
    /// (<c>MigrationsNotFound</c>), or a model with changes no migration covers (<c>PendingModelChangesWarning</c>, an
    /// error unless the context's <c>ConfigureWarnings</c> says otherwise), through EF's own diagnostics logger.
    /// </summary>
    private static void ReportPendingModelChanges(TContext context)
    {
        var diagnostics = context.GetService<IDiagnosticsLogger<DbLoggerCategory.Migrations>>();
        var assembly = context.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrationsAssembly>();
        if (assembly.Migrations.Count == 0)
        {
            diagnostics.MigrationsNotFound(context.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>(), assembly);
        }
        else if (context.Database.HasPendingModelChanges())
        {
            diagnostics.PendingModelChangesWarning(context.GetType());
        }
    }

    private static bool IsAppliedInLedger(string id, IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<long, MigrationOrigin> origins)
    {
        var version = EfMigrationScripts.Split(id).Version;
        return ledger.Any(e => e.Version == version && e.State == MigrationState.Applied) && origins.TryGetValue(version, out var o) && o.Id == id;
    }

    /// <summary>A ledger version held by something else (a SQL file, another EF migration with the same timestamp) is refused before anything runs.</summary>
    private static void RefuseForeign(DataGuard.Migrations.Migration migration, IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<long, MigrationOrigin> origins)
    {
        var entry = ledger.FirstOrDefault(e => e.Version == migration.Version);
        if (entry is null)
        {
            return;
        }

        var origin = origins.GetValueOrDefault(migration.Version) ?? MigrationOrigin.Sql;
        if (!origin.IsEntityFramework || origin.Id != migration.Origin.Id)
        {
            throw new DataGuardException($"EF Core migration {migration.Origin.Id} maps to ledger version {migration.Version}, which the ledger already holds for {(origin.IsEntityFramework ? $"EF Core migration {origin.Id}" : $"the SQL migration '{entry.Title}'")} ({entry.State}). Nothing was run.") { Operation = "migrate.efcore" };
        }
    }

    private static MigrationStep Step(DataGuard.Migrations.Migration migration, IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<long, MigrationOrigin> origins)
    {
        RefuseForeign(migration, ledger, origins);
        return new MigrationStep
        {
            Version = migration.Version,
            Title = migration.Title,
            IsUp = true,
            Script = migration.Up,
            Mode = MigrationPlanner.ModeOf(migration.NoTransaction, migration.Up),
            Migration = migration,
        };
    }

    private void WarnUnadopted(EfMigrationScripts scripts, HashSet<string> history, IReadOnlyList<LedgerEntry> ledger, IReadOnlyDictionary<long, MigrationOrigin> origins)
    {
        var unadopted = history.Where(id => scripts.Ids.Contains(id, StringComparer.Ordinal) && !IsAppliedInLedger(id, ledger, origins)).Order(StringComparer.Ordinal).ToList();
        if (unadopted.Count > 0)
        {
            EfCoreLog.Unadopted(logger, unadopted.Count, scripts.HistoryTable, string.Join(", ", unadopted));
        }
    }

    /// <summary>The context and DataGuard must work on the same database: the ledger describes the schema the scripts change.</summary>
    private static async Task CheckSameDatabaseAsync(TContext context, NpgsqlConnection dataGuard, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT current_database() || ' (server started ' || pg_postmaster_start_time()::text || ')'";
        string ours;
        var command = new NpgsqlCommand(Sql, dataGuard);
        await using (command.ConfigureAwait(false))
        {
            ours = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var efConnection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var efCommand = efConnection.CreateCommand();
            await using (efCommand.ConfigureAwait(false))
            {
                efCommand.CommandText = Sql;
                var theirs = (string?)await efCommand.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                if (!string.Equals(ours, theirs, StringComparison.Ordinal))
                {
                    throw new DataGuardException($"The EF Core context {context.GetType().Name} connects to database {theirs}, but DataGuard:Postgres:ConnectionString to {ours}: DataGuard's ledger must live in the database the migrations change. Nothing was run.") { Operation = "migrate.efcore" };
                }
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private Task<NpgsqlConnection> LockAsync(CancellationToken cancellationToken) =>
        MigrationLock.AcquireAsync(migrationServices.DataSource, Application, options.Value.LockTimeout, migrationServices.Time, cancellationToken);

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await migrationServices.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    private string NewDeployId() =>
        string.Create(CultureInfo.InvariantCulture, $"{migrationServices.Time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}");
}
