using System.Diagnostics;
using System.Text.Json;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Migrations;

/// <summary>
/// Migrations that do not finish (issue 14, defect 10): a SIGKILL of the process, a lost connection or a cancellation
/// while a script runs. A script that runs outside a transaction (or in its own) leaves its version dirty, never
/// pending, so that it is not run twice; a script in DataGuard's transaction leaves nothing applied and says so.
/// </summary>
public sealed class MigrationInterruptionTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    private static string Cli => Path.Combine(PostgresCli.BuildDirectory, "DataGuard.Cli.dll");

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Theory]
    [InlineData("-- dataguard:no-transaction\nCREATE TABLE a (i int);\nSELECT pg_sleep(60);\n", null)]
    [InlineData("BEGIN;\nCREATE TABLE a (i int);\nCOMMIT;\nSELECT pg_sleep(60);\n", 1)]
    [InlineData("CREATE TABLE a (i int);\nCREATE INDEX CONCURRENTLY a_i ON a (i);\nSELECT pg_sleep(60);\n", 1)]
    public async Task A_sigkill_while_a_script_outside_our_transaction_runs_leaves_the_version_dirty_not_pending(string script, int? tables)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dataguard-kill-" + Guid.NewGuid().ToString("N"));
        var migrations = Directory.CreateDirectory(Path.Combine(folder, "migrations")).FullName;
        await File.WriteAllTextAsync(Path.Combine(migrations, "1_a.up.sql"), script);
        await File.WriteAllTextAsync(Path.Combine(migrations, "1_a.down.sql"), "DROP TABLE a;\n");
        var config = Path.Combine(folder, "dataguard.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { DataGuard = new { Postgres = new { _database.ConnectionString }, Migrations = new { Directory = migrations } } }));

        using var process = Process.Start(new ProcessStartInfo("dotnet", [Cli, "migrate", "up", "--config", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await Eventually.WaitUntilAsync(async () => await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()") == 1, TimeSpan.FromSeconds(60));
        process.Kill();
        await process.WaitForExitAsync();
        await _database.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()");

        await using var services = Build();
        var set = MigrationDirectory.Parse(Directory.GetFiles(migrations).Select(f => (Path.GetFileName(f), File.ReadAllText(f))));
        var migrator = services.GetRequiredService<Migrator>();
        Assert.Equal("dirty", Assert.Single(await migrator.StatusAsync(set)).State);
        var refused = await Assert.ThrowsAsync<DataGuardException>(() => migrator.UpAsync(set));
        Assert.Contains("Version 1 (a) is dirty", refused.Message);
        Assert.Contains("did not report success", refused.Message);
        if (tables is { } expected)
        {
            Assert.Equal(expected, await ScalarAsync("SELECT count(*) FROM pg_class WHERE relname = 'a'"));   // the script's own COMMIT went through; it must not run again
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_cancelled_migration_in_our_transaction_applies_nothing_is_recorded_and_runs_again_next_time()
    {
        await using var services = Build();
        var migrator = services.GetRequiredService<Migrator>();
        var slow = MigrationDirectory.Parse([("1_slow.up.sql", "CREATE TABLE b (i int);\nSELECT pg_sleep(30);\n"), ("1_slow.down.sql", "DROP TABLE b;\n")]);
        using var cancel = new CancellationTokenSource();
        var run = migrator.UpAsync(slow, cancellationToken: cancel.Token);
        await Eventually.WaitUntilAsync(async () => await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") == 1, TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_class WHERE relname = 'b'"));
        Assert.Equal("failed", Assert.Single(await migrator.StatusAsync(slow)).State);
        var history = await services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync();
        Assert.Contains(history, h => h.Outcome == "interrupted" && h.Error!.Contains("cancelled", StringComparison.Ordinal));

        var quick = MigrationDirectory.Parse([("1_slow.up.sql", "CREATE TABLE b (i int);\n"), ("1_slow.down.sql", "DROP TABLE b;\n")]);
        Assert.Single((await migrator.UpAsync(quick, allowDrift: true)).Steps);
    }

    [Fact]
    public async Task A_lost_connection_during_a_no_transaction_script_leaves_it_dirty()
    {
        await using var services = Build();
        var migrator = services.GetRequiredService<Migrator>();
        var set = MigrationDirectory.Parse([("1_c.up.sql", "-- dataguard:no-transaction\nCREATE TABLE c (i int);\nSELECT pg_sleep(30);\n")]);
        var run = migrator.UpAsync(set);
        await Eventually.WaitUntilAsync(async () => await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") == 1, TimeSpan.FromSeconds(30));
        await _database.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()");
        await Assert.ThrowsAnyAsync<Exception>(() => run);
        Assert.Equal("dirty", Assert.Single(await migrator.StatusAsync(set)).State);
    }

    [Theory]
    [InlineData("CREATE TABLE d (i int);\nSELECT pg_sleep(30);\n", "migrate status")]
    [InlineData("-- dataguard:no-transaction\nCREATE TABLE d (i int);\nSELECT pg_sleep(30);\n", "migrate resolve 1")]
    public async Task A_connection_terminated_by_the_server_says_what_the_migration_left(string script, string advice)
    {
        // pg_terminate_backend, like 'pg_ctl stop -m fast' or a failover, ends the session with FATAL 57P01: a
        // PostgresException, not a broken socket. The error must still say which migration and what state it left,
        // not surface whatever the cleanup on the dead connection threw.
        await using var services = Build();
        var migrator = services.GetRequiredService<Migrator>();
        var set = MigrationDirectory.Parse([("1_d.up.sql", script), ("1_d.down.sql", "DROP TABLE d;\n")]);
        var run = migrator.UpAsync(set);
        await Eventually.WaitUntilAsync(async () => await ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") == 1, TimeSpan.FromSeconds(30));
        await _database.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()");

        var error = await Assert.ThrowsAsync<MigrationFailedException>(() => run);
        Assert.Contains("Migration 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("57P01", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
        Assert.NotEqual("applied", Assert.Single(await migrator.StatusAsync(set)).State);
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        return services.BuildServiceProvider();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
