using System.Diagnostics;
using DataGuard.DependencyInjection;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.Benchmarks;

/// <summary>
/// The migration ledger's overhead: 120 migrations run directly (each in its own transaction, the baseline) and through
/// the migrator (lock, ledger row, history row) on two fresh databases of the same server; then the rollback of all
/// 120 through the migrator. Run by scripts/bench-db.sh migrations.
/// </summary>
internal static class MigrationOverhead
{
    public static async Task<int> RunAsync()
    {
        var admin = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES") ?? throw new InvalidOperationException("DATAGUARD_TEST_POSTGRES is not set: run scripts/bench-db.sh migrations.");
        var set = MigrationSet.Parse(Files(120));
        var direct = await CreateDatabaseAsync(admin, "bench_direct");
        var ledgered = await CreateDatabaseAsync(admin, "bench_ledger");

        var stopwatch = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(direct))
        {
            await connection.OpenAsync();
            foreach (var migration in set.Migrations)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                await using var command = new NpgsqlCommand(migration.Up, connection, transaction);
                await command.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        }

        var directMs = stopwatch.Elapsed.TotalMilliseconds;
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = ledgered);
        await using var provider = services.BuildServiceProvider();
        var migrator = provider.GetRequiredService<Migrator>();
        stopwatch.Restart();
        await migrator.UpAsync(set);
        var ledgerMs = stopwatch.Elapsed.TotalMilliseconds;
        stopwatch.Restart();
        await migrator.DownAsync(set, new DownRequest { ToVersion = 0 });
        var downMs = stopwatch.Elapsed.TotalMilliseconds;

        var count = set.Migrations.Count;
        Console.WriteLine($"{count} migrations run directly (baseline): {directMs,8:F0} ms ({directMs / count:F2} ms each)");
        Console.WriteLine($"{count} migrations through the ledger:        {ledgerMs,8:F0} ms ({ledgerMs / count:F2} ms each), {ledgerMs / directMs:F2}x the baseline, overhead {(ledgerMs - directMs) / count:F2} ms per migration");
        Console.WriteLine($"rollback of all {count} (migrate down --to 0): {downMs,8:F0} ms");
        return 0;
    }

    private static IEnumerable<(string, string)> Files(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            yield return ($"{i:D4}_t{i}.up.sql", $"CREATE TABLE t{i} (id bigint PRIMARY KEY, v text, at timestamptz DEFAULT now());\nCREATE INDEX t{i}_v ON t{i} (v);\nINSERT INTO t{i} (id, v) SELECT g, md5(g::text) FROM generate_series(1, 100) g;\n");
            yield return ($"{i:D4}_t{i}.down.sql", $"DROP TABLE t{i};\n");
        }
    }

    private static async Task<string> CreateDatabaseAsync(string admin, string name)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }
}
