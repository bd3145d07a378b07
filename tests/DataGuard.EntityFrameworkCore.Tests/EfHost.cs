using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.EntityFrameworkCore.Tests;

/// <summary>A host of one release of the shop: its context, DataGuard with EF Core migrations, on a test database.</summary>
internal static class EfHost
{
    public static ServiceProvider Build<TContext>(TestDatabase database, string application, TimeSpan? lockTimeout = null)
        where TContext : DbContext
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<TContext>(o => o.UseNpgsql(database.ConnectionString));
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = database.ConnectionString).AddEntityFrameworkCore<TContext>();
        services.Configure<MigrationsOptions>(o =>
        {
            o.Application = application;
            o.LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30);
        });
        return services.BuildServiceProvider();
    }

    /// <summary>The schema as <c>pg_dump --schema-only</c> prints it, without DataGuard's own schema.</summary>
    public static async Task<string> SchemaAsync(TestDatabase database)
    {
        var server = await TestPostgres.GetServerAsync();
        var pgDump = Path.Combine(server.BinDirectory ?? "/usr/lib/postgresql/15/bin", "pg_dump");
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var (code, output, error) = await ProcessRunner.RunAsync(
            pgDump,
            ["--schema-only", "--exclude-schema=dataguard", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, builder.Database!],
            new Dictionary<string, string> { ["PGPASSWORD"] = builder.Password! });
        Assert.True(code == 0, error);

        // pg_dump 15.14+ brackets its output with \restrict and \unrestrict lines holding a random key.
        return string.Join('\n', output.Split('\n').Where(line => !line.StartsWith("\\restrict", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    public static async Task<T> ScalarAsync<T>(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<IReadOnlyList<string>> HistoryAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
