using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Migrations;

public sealed class MigrateCommandTests
{
    [Fact]
    public async Task Plan_up_status_verify_and_down_from_the_command_line()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        using var cli = new CliRunner();
        var dir = Path.Combine(cli.Folder, "migrations");
        Directory.CreateDirectory(dir);
        foreach (var (name, text) in MigrationFixtures.Project(12))
        {
            await File.WriteAllTextAsync(Path.Combine(dir, name), text);
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "notes.txt"), "not a migration");
        var config = cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Migrations = new { Directory = dir },
        });

        var planUp = await cli.RunAsync("migrate", "plan", "--config", config);
        Assert.True(planUp.ExitCode == 0, planUp.All);
        Assert.Contains("-- up 1 create_schema (in-transaction)", planUp.Output);
        Assert.Contains("own-transaction", planUp.Output);
        Assert.Contains("nothing was run", planUp.Output);

        var rehearse = await cli.RunAsync("migrate", "rehearse", "--config", config);
        Assert.True(rehearse.ExitCode == 0, rehearse.All);
        Assert.Contains("their down scripts work", rehearse.Output);
        Assert.Equal(0, await SampleCountAsync(database, "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"));
        Assert.Equal(0, await SampleCountAsync(database, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dataguard_rehearse_%'"));

        var up = await cli.RunAsync("migrate", "up", "--config", config);
        Assert.True(up.ExitCode == 0, up.All);
        Assert.Contains("migration(s) applied", up.Output);

        var status = await cli.RunAsync("migrate", "status", "--config", config);
        Assert.Equal(0, status.ExitCode);
        Assert.DoesNotContain("pending", status.Output);
        Assert.Equal(0, (await cli.RunAsync("migrate", "verify", "--config", config)).ExitCode);

        await File.AppendAllTextAsync(Path.Combine(dir, "0003_create_t000.up.sql"), "-- changed\n");
        var drift = await cli.RunAsync("migrate", "verify", "--config", config);
        Assert.Equal(1, drift.ExitCode);
        Assert.Contains("DRIFTED  3", drift.Output);

        var plan = await cli.RunAsync("migrate", "plan", "down", "--to", "0", "--config", config);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Contains("Estimated duration from recorded runs and rehearsals", plan.Output);

        var down = await cli.RunAsync("migrate", "down", "--to", "0", "--config", config);
        Assert.True(down.ExitCode == 0, down.All);
        Assert.Contains("rolled back  1 create_schema", down.Output);
    }

    private static async Task<long> SampleCountAsync(TestDatabase database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
