using DataGuard.Migrations;
using DataGuard.Postgres.Backup;
using DataGuard.Postgres.Tools;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// <c>migrate rehearse</c>: copies the schema (pg_dump --schema-only into a scratch database on the same server), runs
/// the pending migrations up, down and up again there, records in the ledger's history that their down scripts work,
/// with timings, and drops the scratch database whatever happened.
/// </summary>
internal sealed class MigrationRehearser
{
    private readonly MigrationServices _services;
    private readonly IOptions<PostgresOptions> _postgres;
    private readonly IOptions<MigrationsOptions> _options;
    private readonly PgToolLocator _tools;

    /// <summary>Initializes a new instance of the <see cref="MigrationRehearser"/> class.</summary>
    /// <param name="services">The database and the clock.</param>
    /// <param name="postgres">The PostgreSQL options (pg_dump copies the schema with them; the scratch database is on the same server).</param>
    /// <param name="options">The migration options.</param>
    /// <param name="tools">The tool locator.</param>
    internal MigrationRehearser(MigrationServices services, IOptions<PostgresOptions> postgres, IOptions<MigrationsOptions> options, PgToolLocator tools)
    {
        _services = services;
        _postgres = postgres;
        _options = options;
        _tools = tools;
    }

    /// <summary>Rehearses the pending migrations on a scratch copy of the schema.</summary>
    /// <param name="set">The migration files.</param>
    /// <param name="cancellationToken">Cancels the rehearsal; the scratch database is dropped.</param>
    /// <returns>Each migration's timings.</returns>
    public async Task<IReadOnlyList<Rehearsal>> RehearseAsync(MigrationSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var source = new NpgsqlConnectionStringBuilder(_postgres.Value.ConnectionString);
        var scratchName = $"dataguard_rehearse_{_services.Time.GetUtcNow():yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..6]}";
        var scratch = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Database = scratchName, Pooling = false };
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.migration.rehearse");
        activity.SetDatabase(scratch);
        try
        {
            var rehearsals = await RehearseCoreAsync(set, source, scratch, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.migration.step_count", rehearsals.Count);
            return rehearsals;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<IReadOnlyList<Rehearsal>> RehearseCoreAsync(MigrationSet set, NpgsqlConnectionStringBuilder source, NpgsqlConnectionStringBuilder scratch, CancellationToken cancellationToken)
    {
        var scratchName = scratch.Database!;
        await ExecuteAsync($"CREATE DATABASE {PgIdentifiers.Quote(scratchName)}", cancellationToken).ConfigureAwait(false);
        // The scratch database is another database: a data source of its own, dropped with it.
        var scratchSource = new DataGuardDataSource(Microsoft.Extensions.Options.Options.Create(new PostgresOptions { ConnectionString = scratch.ConnectionString }));
        try
        {
            await CopySchemaAsync(source, scratch, cancellationToken).ConfigureAwait(false);
            var onScratch = new Migrator(_services with { DataSource = scratchSource }, Microsoft.Extensions.Options.Options.Create(new MigrationsOptions { LockTimeout = _options.Value.LockTimeout, Application = "dataguard rehearse", RestorePointBeforeChange = false }));
            var pending = (await new Migrator(_services, _options).PlanUpAsync(set, null, cancellationToken).ConfigureAwait(false)).Select(p => p.Version).ToHashSet();
            var subset = new MigrationSet([.. set.Migrations.Where(m => pending.Contains(m.Version))], []);
            var up = await TimedAsync(onScratch, subset, cancellationToken).ConfigureAwait(false);
            var downTimes = new Dictionary<long, long>();
            foreach (var step in subset.Migrations.Reverse())
            {
                var started = _services.Time.GetTimestamp();
                await onScratch.DownAsync(subset, new DownRequest { Steps = 1 }, cancellationToken).ConfigureAwait(false);
                downTimes[step.Version] = (long)_services.Time.GetElapsedTime(started).TotalMilliseconds;
            }

            var reUp = await TimedAsync(onScratch, subset, cancellationToken).ConfigureAwait(false);
            var rehearsals = subset.Migrations.Select(m => new Rehearsal(m.Version, m.Title, up[m.Version], downTimes[m.Version], reUp[m.Version])).ToList();
            await RecordAsync(rehearsals, cancellationToken).ConfigureAwait(false);
            return rehearsals;
        }
        finally
        {
            await scratchSource.DisposeAsync().ConfigureAwait(false);
            await ExecuteAsync($"DROP DATABASE IF EXISTS {PgIdentifiers.Quote(scratchName)} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<Dictionary<long, long>> TimedAsync(Migrator migrator, MigrationSet subset, CancellationToken cancellationToken)
    {
        var times = new Dictionary<long, long>();
        foreach (var migration in subset.Migrations)
        {
            var started = _services.Time.GetTimestamp();
            await migrator.UpAsync(subset, migration.Version, allowDrift: false, cancellationToken).ConfigureAwait(false);
            times[migration.Version] = (long)_services.Time.GetElapsedTime(started).TotalMilliseconds;
        }

        return times;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        var connection = await _services.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RecordAsync(IReadOnlyList<Rehearsal> rehearsals, CancellationToken cancellationToken)
    {
        var connection = await Schema.DataGuardSchema.OpenAsync(_services.DataSource, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var rehearsal in rehearsals)
            {
                var outcome = $"down verified: up {rehearsal.UpMs} ms, down {rehearsal.DownMs} ms, up again {rehearsal.ReUpMs} ms";
                await PostgresMigrationLedger.AppendHistoryAsync(connection, null, rehearsal.Version, "rehearse", outcome, null, rehearsal.DownMs, null, "dataguard rehearse", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CopySchemaAsync(NpgsqlConnectionStringBuilder source, NpgsqlConnectionStringBuilder scratch, CancellationToken cancellationToken)
    {
        var pgDump = await _tools.FindAsync("pg_dump", cancellationToken).ConfigureAwait(false);
        var pgRestore = await _tools.FindAsync("pg_restore", cancellationToken).ConfigureAwait(false);
        var dump = PgProcess.Start(pgDump, ["--schema-only", "--format=custom", "--no-password", "--exclude-schema=dataguard"], source, stdin: false, stdout: true, cancellationToken);
        await using (dump.ConfigureAwait(false))
        {
            var restore = PgProcess.Start(pgRestore, ["--no-owner", "--exit-on-error", "--no-password", $"--dbname={PgDatabaseName.Conninfo(scratch.Database!)}"], scratch, stdin: true, stdout: false, cancellationToken);
            await using (restore.ConfigureAwait(false))
            {
                await dump.StandardOutput.CopyToAsync(restore.StandardInput, cancellationToken).ConfigureAwait(false);
                restore.StandardInput.Close();
                await dump.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                await restore.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
