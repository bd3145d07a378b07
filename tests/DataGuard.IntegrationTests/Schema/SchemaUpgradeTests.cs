using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Schema;

/// <summary>
/// DataGuard's own tables are versioned: a database created by the previous release (its schema kept as a
/// schema-only dump, Fixtures/schema-v1) is upgraded in place, with its rows, once, by whichever host starts first.
/// </summary>
public sealed class SchemaUpgradeTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task The_schema_command_reports_the_version_read_only_and_upgrades_once()
    {
        using var cli = new DataGuard.IntegrationTests.Cli.CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { _database.ConnectionString }, Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } } });

        var missing = await cli.RunAsync("schema", "status", "--config", config);
        Assert.True(missing.ExitCode == 1, missing.All);
        Assert.Contains("not installed", missing.Output, StringComparison.Ordinal);
        Assert.Equal(0L, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM pg_namespace WHERE nspname = 'dataguard'"));

        var upgraded = await cli.RunAsync("schema", "upgrade", "--config", config);
        Assert.True(upgraded.ExitCode == 0, upgraded.All);
        Assert.Contains($"upgraded from nothing to version {Postgres.Schema.DataGuardSchema.Latest}", upgraded.Output, StringComparison.Ordinal);
        var again = await cli.RunAsync("schema", "upgrade", "--config", config);
        Assert.Contains("nothing to do", again.Output, StringComparison.Ordinal);
        var current = await cli.RunAsync("schema", "status", "--json", "--config", config);
        Assert.True(current.ExitCode == 0, current.All);
        Assert.Contains("\"current\": true", current.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_of_the_previous_release_is_upgraded_in_place_with_its_rows()
    {
        await _database.ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "tests", "DataGuard.IntegrationTests", "Fixtures", "schema-v1", "dataguard-schema.sql")));
        await _database.ExecuteAsync("""
            CREATE TABLE audit (id int PRIMARY KEY, customer text NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO audit SELECT g, 'c' || (g % 3), now() - interval '2 years' FROM generate_series(1, 9) g;
            INSERT INTO dataguard.legal_holds (table_name, column_name, value, reason, placed_by) VALUES ('public.audit', 'customer', 'c1', 'placed by release 1', 'legal');
            INSERT INTO dataguard.migrations (version, title, state, up_sha256, down_script, applied_by, deploy_id) VALUES (1, 'first', 'applied', 'x', 'SELECT 1;', 'old', 'd1');
            INSERT INTO dataguard.migration_history (version, direction, outcome, by) VALUES (1, 'up', 'succeeded', 'old');
            INSERT INTO dataguard.export_jobs (id, subject, formats, requested_by, status) VALUES (gen_random_uuid(), '1', '{json}', 'user', 'failed');
            """);
        await using var services = Build(_database.ConnectionString, b => b.AddFileSystemStorage(Path.GetTempPath()), o => o.Policies.Add(new RetentionPolicyOptions
        {
            Name = "audit", Table = "public.audit", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30),
        }));

        // Any first use upgrades: here the hold list.
        var holds = await services.GetRequiredService<LegalHolds>().ListAsync();
        Assert.Equal("c1", Assert.Single(holds).Value);
        Assert.Equal(Postgres.Schema.DataGuardSchema.Latest, await CountAsync(_database.ConnectionString, "SELECT max(version) FROM dataguard.schema_version"));
        Assert.Equal(Postgres.Schema.DataGuardSchema.Steps.Count, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM dataguard.schema_version"));
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM dataguard.legal_holds WHERE table_oid = 'public.audit'::regclass"));

        // The old hold still holds, the old ledger still reads, the old export job is still there.
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(6, run.RowsAffected);
        Assert.Equal(3, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM audit WHERE customer = 'c1'"));
        var status = await services.GetRequiredService<Migrator>().StatusAsync(MigrationDirectory.Parse([("1_first.up.sql", "SELECT 1;\n")]));
        Assert.Equal("applied", Assert.Single(status).State);
        Assert.Equal(1, (await services.GetRequiredService<ExportJobs>().StatsAsync()).FailedLastDay);
    }

    [Fact]
    public async Task Hosts_starting_together_upgrade_once_and_a_fresh_database_gets_every_step()
    {
        var connections = new List<NpgsqlConnection>();
        for (var i = 0; i < 4; i++)
        {
            var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            connections.Add(connection);
        }

        var versions = await Task.WhenAll(connections.Select(c => Postgres.Schema.DataGuardSchema.UpgradeAsync(c, CancellationToken.None)));
        Assert.All(versions, v => Assert.Equal(Postgres.Schema.DataGuardSchema.Latest, v));
        Assert.Equal(Postgres.Schema.DataGuardSchema.Steps.Count, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM dataguard.schema_version"));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        // A hold placed by hand is pinned to its table by the trigger the steps installed.
        await _database.ExecuteAsync("CREATE TABLE t (k int); INSERT INTO dataguard.legal_holds (table_name, column_name, value, reason, placed_by) VALUES ('public.t', 'k', '1', 'r', 'me')");
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM dataguard.legal_holds WHERE table_oid = 'public.t'::regclass AND column_number = 1"));
    }

    [Fact]
    public async Task A_step_that_fails_leaves_the_schema_as_it_was_and_says_which_step()
    {
        await _database.ExecuteAsync("CREATE SCHEMA dataguard; CREATE TABLE dataguard.legal_holds (id int)");   // not what step 1 expects
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        var ex = await Assert.ThrowsAsync<DataGuardException>(() => Postgres.Schema.DataGuardSchema.UpgradeAsync(connection, CancellationToken.None));
        Assert.Contains("failed at step", ex.Message);
        Assert.Contains("Nothing was changed", ex.Message);
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'dataguard' AND tablename = 'schema_version'"));
    }
}
