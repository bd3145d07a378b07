using Npgsql;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>A database of one test's own on the PostgreSQL of <c>DATAGUARD_TEST_POSTGRES</c> (set by scripts/test.sh), dropped on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private TestDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(string? schema = null)
    {
        var admin = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException("DATAGUARD_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a throwaway PostgreSQL (or point it at a server where the user may create databases).");
        }

        var name = $"dg_web_{Guid.NewGuid():N}"[..24];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var database = new TestDatabase(admin, name, new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString);
        if (schema is not null)
        {
            await database.ExecuteAsync(schema);
        }

        return database;
    }

    /// <summary>
    /// Installs DataGuard's schema (up to <paramref name="upTo"/>, else the latest version) as the host's workers do at their
    /// first run: a test that reads the dashboard right after start-up must not race them (the dashboard never installs it
    /// and answers 503 until it is there).
    /// </summary>
    public async Task InstallDataGuardSchemaAsync(int? upTo = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await Postgres.Schema.DataGuardSchema.UpgradeAsync(connection, CancellationToken.None, upTo);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
