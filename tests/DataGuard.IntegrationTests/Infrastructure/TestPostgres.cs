using Npgsql;
using Testcontainers.PostgreSql;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server of the integration tests, found in this order: the environment
/// (<c>DATAGUARD_TEST_POSTGRES</c>, set by scripts/test.sh and .ci/run); a throwaway server started by
/// scripts/services.sh; a Testcontainers container where a Docker engine exists; else a failure that says what is missing.
/// Each test gets its own database.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<PostgresServer>> Server = new(FindServerAsync);

    public static Task<PostgresServer> GetServerAsync() => Server.Value;

    /// <summary>Creates an empty database of the test's own; dropped on dispose.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var server = await GetServerAsync();
        var name = $"dg_test_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = name, Pooling = false };
        return new TestDatabase(server, name, builder.ConnectionString);
    }

    private static async Task<PostgresServer> FindServerAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new PostgresServer(fromEnvironment, Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES_BIN"));
        }

        string scriptProblem;
        try
        {
            var exports = await ServicesScript.StartAsync("postgres");
            return new PostgresServer(exports["DATAGUARD_TEST_POSTGRES"], exports.GetValueOrDefault("DATAGUARD_TEST_POSTGRES_BIN"));
        }
        catch (Exception ex)
        {
            scriptProblem = ex.Message;
        }

        string dockerProblem;
        try
        {
            var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return new PostgresServer(container.GetConnectionString(), null);
        }
        catch (Exception ex)
        {
            dockerProblem = ex.GetType().Name + ": " + ex.Message;
        }

        throw new InvalidOperationException(
            "No PostgreSQL for the integration tests. DATAGUARD_TEST_POSTGRES is not set; " +
            $"scripts/services.sh could not start one ({scriptProblem}); " +
            $"Testcontainers could not either ({dockerProblem}). " +
            "Install PostgreSQL 15 or newer (apt-get install postgresql, or scripts/services.sh start --install), " +
            "or point DATAGUARD_TEST_POSTGRES at a server where the user may create databases.");
    }
}

/// <summary>Where the tests' PostgreSQL is.</summary>
/// <param name="AdminConnectionString">A connection string of a user that may create databases.</param>
/// <param name="BinDirectory">The folder of the server's tools, when known.</param>
public sealed record PostgresServer(string AdminConnectionString, string? BinDirectory);

/// <summary>A database of one test's own, dropped on dispose.</summary>
public sealed class TestDatabase(PostgresServer server, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = connectionString;

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
