using System.Diagnostics;
using DataGuard.DependencyInjection;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.Benchmarks;

/// <summary>
/// Retention deletes: the same expired rows of a 600,000-row table removed by one plain DELETE (the baseline) and by
/// <see cref="RetentionRunner"/> in batches of 5,000, on two databases of one server; rows per second and the longest
/// batch transaction. Run by scripts/bench-db.sh retention.
/// </summary>
internal static class RetentionThroughput
{
    private const string Setup = """
        CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account int NOT NULL, created_at timestamptz NOT NULL, body text);
        INSERT INTO events (account, created_at, body)
        SELECT g % 5000, now() - (g % 1095) * interval '1 day' - interval '1 hour', repeat(md5(g::text), 4) FROM generate_series(1, 600000) g;
        CREATE INDEX events_created_at ON events (created_at);
        ANALYZE events;
        """;

    public static async Task<int> RunAsync()
    {
        var admin = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES") ?? throw new InvalidOperationException("DATAGUARD_TEST_POSTGRES is not set: run scripts/bench-db.sh retention.");
        var plain = await CreateAsync(admin, "bench_plain_delete");
        var batched = await CreateAsync(admin, "bench_retention");

        long plainRows;
        var stopwatch = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(plain))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DELETE FROM events WHERE created_at < now() - interval '365 days'", connection) { CommandTimeout = 0 };
            plainRows = await command.ExecuteNonQueryAsync();
        }

        var plainSeconds = stopwatch.Elapsed.TotalSeconds;
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = batched);
        services.Configure<RetentionOptions>(o => o.Policies.Add(new RetentionPolicyOptions { Name = "events", Table = "public.events", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(365) }));
        await using var provider = services.BuildServiceProvider();
        stopwatch.Restart();
        var result = (await provider.GetRequiredService<RetentionRunner>().RunAsync())!.Results.Single();
        var batchedSeconds = stopwatch.Elapsed.TotalSeconds;

        Console.WriteLine($"plain DELETE (baseline):      {plainRows,8} rows in {plainSeconds,6:F2} s, {plainRows / plainSeconds,9:F0} rows/s, one transaction of {plainSeconds * 1000:F0} ms");
        Console.WriteLine($"retention, batches of 5,000:  {result.RowsAffected,8} rows in {batchedSeconds,6:F2} s, {result.RowsAffected / batchedSeconds,9:F0} rows/s ({plainSeconds / batchedSeconds:F2}x the baseline's rate), {result.Batches} batches, longest {result.LongestBatchMs} ms");
        return 0;
    }

    internal static async Task<string> CreateAsync(string admin, string name, string? setupSql = null)
    {
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var target = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await using var setup = new NpgsqlConnection(target);
        await setup.OpenAsync();
        await using var command = new NpgsqlCommand(setupSql ?? Setup, setup) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
        return target;
    }
}
