using System.Globalization;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Migrations;

/// <summary>
/// Issue 16: a database migrated by golang-migrate, dbmate or Flyway (their ledger tables in their own layouts) is
/// adopted: the applied versions are recorded with the files' scripts, 'up' refuses to run them again before that,
/// and with SourceLedger the tool's table stays in step on every up and down.
/// </summary>
public sealed class MigrationAdoptionTests : IAsyncLifetime
{
    private const int Applied = 20;
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Theory]
    [InlineData("golang-migrate")]
    [InlineData("dbmate")]
    [InlineData("flyway")]
    public async Task A_database_migrated_by_another_tool_is_adopted_and_its_ledger_kept_in_step(string tool)
    {
        var set = MigrationSet.Parse(tool == "dbmate" ? RealShapedProjects.Dbmate(7, 30) : RealShapedProjects.OwnTransactions(7, 30));
        var versions = set.Migrations.Select(m => m.Version).ToList();
        await RunAsTheOtherToolAsync(set.Migrations.Take(Applied));
        await CreateForeignLedgerAsync(tool, versions.Take(Applied).ToList());

        await using (var plain = Build(null))
        {
            var migrator = plain.GetRequiredService<Migrator>();
            var foreign = await migrator.DetectForeignLedgerAsync(set);
            Assert.Equal(tool, foreign!.Tool);
            var refused = await Assert.ThrowsAsync<DataGuardException>(() => migrator.UpAsync(set));
            Assert.Contains("migrate adopt", refused.Message, StringComparison.Ordinal);

            var adopted = await migrator.AdoptAsync(set);
            Assert.Equal(versions.Take(Applied), adopted.Applied);
            Assert.Empty(adopted.MissingFiles);
            if (tool == "flyway")
            {
                Assert.Contains(adopted.Source.Skipped, s => s.Contains("'1.5'", StringComparison.Ordinal));
            }

            var status = await migrator.StatusAsync(set);
            Assert.Equal(Applied, status.Count(r => r.State == "applied"));
            Assert.Equal(set.Migrations.Count - Applied, status.Count(r => r.State == "pending"));
            Assert.Null(await migrator.DetectForeignLedgerAsync(set));
            await Assert.ThrowsAsync<DataGuardException>(() => migrator.AdoptAsync(set));
        }

        await using var synced = Build(tool);
        var inStep = synced.GetRequiredService<Migrator>();
        Assert.Equal(set.Migrations.Count - Applied, (await inStep.UpAsync(set)).Steps.Count);
        Assert.Equal(versions, await ForeignVersionsAsync(tool, versions));

        await inStep.DownAsync(set, new DownRequest { Steps = Applied + 3 });
        Assert.Equal(versions.Take(set.Migrations.Count - Applied - 3), await ForeignVersionsAsync(tool, versions));
        Assert.Equal(set.Migrations.Count - Applied - 3, await ScalarAsync("SELECT count(*) FROM dataguard.migrations WHERE state = 'applied'"));
    }

    [Fact]
    public async Task A_dirty_golang_migrate_version_is_adopted_dirty_and_refused_until_resolved()
    {
        var set = MigrationSet.Parse(RealShapedProjects.OwnTransactions(7, 10));
        await RunAsTheOtherToolAsync(set.Migrations.Take(4));
        await _database.ExecuteAsync($"CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES ({set.Migrations[4].Version}, true);");
        await using var services = Build(null);
        var migrator = services.GetRequiredService<Migrator>();

        var adopted = await migrator.AdoptAsync(set);
        Assert.Equal(4, adopted.Applied.Count);
        Assert.Equal(set.Migrations[4].Version, adopted.Dirty);
        Assert.Equal("dirty", (await migrator.StatusAsync(set)).Single(r => r.Version == adopted.Dirty).State);
        var refused = await Assert.ThrowsAsync<DataGuardException>(() => migrator.UpAsync(set));
        Assert.Contains("is dirty", refused.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Build(string? sourceLedger)
    {
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        services.Configure<MigrationsOptions>(o =>
        {
            o.Application = "tests 1.0";
            o.SourceLedger = sourceLedger;
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Runs up scripts statement by statement, as the other tool would have (outside DataGuard).</summary>
    private async Task RunAsTheOtherToolAsync(IEnumerable<Migration> migrations)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        foreach (var statement in migrations.SelectMany(m => SqlLexer.Split(m.Up)))
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { new NpgsqlBatchCommand(statement.Text) } };
            await batch.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The ledger tables exactly as the tools create them.</summary>
    private Task CreateForeignLedgerAsync(string tool, List<long> applied) => tool switch
    {
        "golang-migrate" => _database.ExecuteAsync($"CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES ({applied[^1]}, false);"),
        "dbmate" => _database.ExecuteAsync($"CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES {string.Join(", ", applied.Select(v => $"('{v}')"))};"),
        _ => _database.ExecuteAsync($"""
            CREATE TABLE flyway_schema_history (installed_rank int NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL,
                script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL);
            INSERT INTO flyway_schema_history VALUES (1, '{applied[4]}', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'app', now(), 0, true);
            INSERT INTO flyway_schema_history SELECT 1 + row_number() OVER (), v, 'migration ' || v, 'SQL', 'V' || v || '__m.sql', 12345, 'app', now(), 5, true FROM unnest(ARRAY[{string.Join(", ", applied.Skip(5).Select(v => $"'{v}'"))}]) v;
            INSERT INTO flyway_schema_history VALUES (100, NULL, 'views', 'SQL', 'R__views.sql', 1, 'app', now(), 1, true), (101, '1.5', 'odd', 'SQL', 'V1_5__odd.sql', 1, 'app', now(), 1, true);
            """),
    };

    /// <summary>The versions the other tool would now consider applied, from its own table.</summary>
    private async Task<List<long>> ForeignVersionsAsync(string tool, List<long> versions)
    {
        switch (tool)
        {
            case "golang-migrate":
                var current = await ScalarAsync("SELECT version FROM schema_migrations WHERE NOT dirty");
                return [.. versions.Where(v => v <= current)];
            case "dbmate":
                return await ListAsync("SELECT version FROM schema_migrations ORDER BY version::bigint");
            default:
                var baseline = await ScalarAsync("SELECT version::bigint FROM flyway_schema_history WHERE type = 'BASELINE'");
                var rows = await ListAsync("SELECT version FROM flyway_schema_history WHERE success AND type = 'SQL' AND version ~ '^[0-9]+$'");
                return [.. versions.Where(v => v <= baseline).Concat(rows).Distinct().Order()];
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private async Task<List<long>> ListAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<long>();
        while (await reader.ReadAsync())
        {
            list.Add(long.Parse(reader.GetString(0), CultureInfo.InvariantCulture));
        }

        return list;
    }
}
