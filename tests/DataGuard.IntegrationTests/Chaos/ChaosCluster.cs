using System.Globalization;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// A PostgreSQL cluster of the chaos suite's own (scripts/services.sh with its own state folder), which the suite stops
/// with <c>pg_ctl stop -m immediate</c> (a crash) and starts again on the same port and data, without disturbing the
/// server the other tests share.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    private ChaosCluster(string stateDir) => StateDir = stateDir;

    public string StateDir { get; }

    public string DataDir => Path.Combine(StateDir, "pg", "data");

    public string PgBin { get; private set; } = "/usr/lib/postgresql/15/bin";

    /// <summary>Gets a superuser connection string to the <c>postgres</c> database (no pooling: the server goes away on purpose).</summary>
    public string AdminConnectionString { get; private set; } = null!;

    public bool Running { get; private set; }

    public static async Task<ChaosCluster> StartAsync(string stateDir, string? archiveCommand = null, string? extraConf = null)
    {
        var cluster = new ChaosCluster(stateDir);
        Directory.CreateDirectory(stateDir);
        File.SetUnixFileMode(stateDir, (UnixFileMode)0b111_101_101);
        var environment = new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = stateDir };
        if (archiveCommand is not null)
        {
            environment["DATAGUARD_PG_ARCHIVE_COMMAND"] = archiveCommand;
        }

        if (extraConf is not null)
        {
            environment["DATAGUARD_PG_EXTRA_CONF"] = extraConf;
        }

        var (code, output, error) = await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "start", "postgres"], environment);
        Assert.True(code == 0, $"scripts/services.sh start postgres failed: {error}");
        var exports = ServicesScript.ParseExports(output);
        cluster.AdminConnectionString = new NpgsqlConnectionStringBuilder(exports["DATAGUARD_TEST_POSTGRES"]) { Pooling = false }.ConnectionString;
        cluster.PgBin = exports.GetValueOrDefault("DATAGUARD_TEST_POSTGRES_BIN") ?? cluster.PgBin;
        cluster.Running = true;
        return cluster;
    }

    /// <summary>A connection string to one database of this cluster.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>Stops the server as a crash would: <c>pg_ctl stop -m immediate</c>.</summary>
    public async Task StopAsync()
    {
        var (code, _, error) = await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(PgBin, "pg_ctl"), "-D", DataDir, "-m", "immediate", "-w", "-t", "60", "stop"]);
        Assert.True(code == 0, $"pg_ctl stop failed: {error}");
        Running = false;
    }

    /// <summary>Starts the server again on the same port and data (crash recovery runs first).</summary>
    public async Task StartAsync()
    {
        var log = Path.Combine(StateDir, "pg", "postgres.log");
        var (code, _, error) = await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(PgBin, "pg_ctl"), "-D", DataDir, "-l", log, "-w", "-t", "60", "start"]);
        Assert.True(code == 0, $"pg_ctl start failed: {error} {(File.Exists(log) ? ChaosProcess.Tail(File.ReadAllText(log)) : string.Empty)}");
        Running = true;
        NpgsqlConnection.ClearAllPools();
    }

    public async Task CreateDatabaseAsync(string name, string? template = null)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"{(template is null ? string.Empty : $" TEMPLATE \"{template}\"")}");
    }

    public async Task DropDatabaseAsync(string name) => await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null ? AdminConnectionString : ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync(string sql, string? database = null) =>
        Convert.ToInt64(await ScalarAsync(sql, database), CultureInfo.InvariantCulture);

    public async Task<object?> ScalarAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null ? AdminConnectionString : ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Whether some session matches a condition on <c>pg_stat_activity</c> (false while the server is down).</summary>
    public async Task<bool> ActivityAsync(string condition)
    {
        try
        {
            return await CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ({condition})") > 0;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = StateDir });
        try
        {
            Directory.Delete(StateDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
