using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Migrations;

/// <summary>
/// Issue 16: real-shaped migration directories (100+ pairs each, seeded) run exactly as their own tools run them, and
/// better where those tools are weak: concurrent index builds with no directive, comment-only and empty downs, files
/// with their own BEGIN/COMMIT, dbmate's transaction:false; the first error named with file, line and SQLSTATE.
/// </summary>
public sealed class RealShapedMigrationTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    private Migrator Migrator => _services.GetRequiredService<Migrator>();

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString + ";Include Error Detail=true");
        services.Configure<MigrationsOptions>(o => o.Application = "tests 1.0");
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData("concurrent-indexes")]
    [InlineData("backfills")]
    [InlineData("own-transactions")]
    [InlineData("dbmate")]
    public async Task A_real_shaped_directory_goes_up_down_to_zero_and_up_again_to_the_same_schema(string name)
    {
        var set = MigrationSet.Parse(RealShapedProjects.Get(name));
        Assert.True(set.Migrations.Count >= 100, $"{set.Migrations.Count} migrations");
        Assert.Empty(set.Warnings);

        var applied = (await Migrator.UpAsync(set)).Steps;
        Assert.Equal(set.Migrations.Count, applied.Count);
        var first = await SchemaAsync();
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_index WHERE NOT indisvalid"));

        await Migrator.DownAsync(set, new DownRequest { ToVersion = 0 });
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'S', 'v')"));
        Assert.All(await Migrator.StatusAsync(set), row => Assert.Equal("rolledback", row.State));

        await Migrator.UpAsync(set);
        Assert.Equal(first, await SchemaAsync());
        Assert.All(await Migrator.StatusAsync(set), row => Assert.Equal("applied", row.State));

        var history = await _services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync(10_000);
        Assert.Equal(set.Migrations.Count * 3, history.Count);
        Assert.DoesNotContain(history, e => e.Outcome is not ("succeeded" or "no-op"));
        switch (name)
        {
            case "concurrent-indexes":
                Assert.Contains(applied, s => s.Transaction == "no-transaction" && s.Script.Split("CONCURRENTLY").Length == 3);
                Assert.Contains(applied, s => s.Transaction == "in-transaction");
                break;
            case "backfills":
                var noOps = history.Where(e => e.Direction == "down" && e.Outcome == "no-op").ToList();
                Assert.Equal(set.Migrations.Count(m => SqlLexer.IsEmpty(m.Down)), noOps.Count);
                Assert.Contains(set.Migrations, m => m.Down == string.Empty);
                break;
            case "own-transactions":
                Assert.All(applied, s => Assert.Equal("own-transaction", s.Transaction));
                break;
            case "dbmate":
                Assert.Contains(applied, s => s.Transaction == "no-transaction");
                break;
        }
    }

    [Fact]
    public async Task A_broken_down_in_the_middle_stops_the_rollback_naming_version_file_line_and_the_first_sqlstate()
    {
        var files = RealShapedProjects.OwnTransactions(seed: 3, pairs: 100, brokenDown: 60);
        var set = MigrationSet.Parse(files);
        await Migrator.UpAsync(set);
        var before = await SchemaAsync();

        var failure = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.DownAsync(set, new DownRequest { ToVersion = 0 }));
        Assert.Contains("Rolling back migration 60", failure.Message, StringComparison.Ordinal);
        Assert.Contains("0060_create_orders_60.down.sql, line 3, column 1: 42601: syntax error at or near \"DROPP\"", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("25P02", failure.Message, StringComparison.Ordinal);
        Assert.Equal("42601", Assert.IsType<PostgresException>(failure.InnerException).SqlState);

        // The ledger is consistent: above 60 rolled back, 60 and below applied, and the schema says the same.
        var status = await Migrator.StatusAsync(set);
        Assert.All(status.Where(r => r.Version > 60), r => Assert.Equal("rolledback", r.State));
        Assert.All(status.Where(r => r.Version <= 60), r => Assert.Equal("applied", r.State));
        Assert.Equal(60, await ScalarAsync("SELECT count(*) FROM pg_class WHERE relname LIKE 'orders\\_%' AND relkind = 'r'"));
        Assert.Contains("line 3", Assert.Single(status, r => r.Version == 60).Error, StringComparison.Ordinal);
        var history = await _services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync(10);
        Assert.Contains(history, e => e.Version == 60 && e.Direction == "down" && e.Outcome == "failed" && e.Error!.Contains("42601", StringComparison.Ordinal));

        // The file's own transaction failed before its COMMIT, so nothing of it applied and the version is not dirty: up restores the schema.
        await Migrator.UpAsync(set);
        Assert.Equal(before, await SchemaAsync());
    }

    [Fact]
    public async Task A_failing_statement_in_a_dbmate_file_is_placed_on_its_line_in_the_file_with_detail_and_hint()
    {
        var set = MigrationSet.Parse([
            ("20240101000000_ok.sql", "-- migrate:up\ncreate table t (id int primary key, v text);\ninsert into t values (1, 'a');\n\n-- migrate:down\ndrop table t;\n"),
            ("20240102000000_dup.sql", "-- migrate:up\n\n-- a comment line\ninsert into t values (2, 'b');\ninsert into t values\n  (1, 'again');\n-- migrate:down\ndelete from t where id = 2;\n"),
        ]);

        var failure = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(set));
        Assert.Contains("20240102000000_dup.sql, line 5, column 1: 23505: duplicate key value violates unique constraint \"t_pkey\"; detail: Key (id)=(1) already exists.", failure.Message, StringComparison.Ordinal);
        Assert.Equal("failed", Assert.Single(await Migrator.StatusAsync(set), r => r.Version == 20240102000000).State);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM t"));

        var syntax = MigrationSet.Parse([("1_a.up.sql", "CREATE TABLE a (i int);\n\nSELECT 1 +;\n"), ("1_a.down.sql", "DROP TABLE a;\n")]);
        var error = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(syntax));
        Assert.True(error.Message.Contains("1_a.up.sql, line 3, column 11: 42601: syntax error at or near \";\"", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task A_retried_concurrent_build_over_its_invalid_index_is_dirty_not_applied()
    {
        await _database.ExecuteAsync("CREATE TABLE users (id int, email text); INSERT INTO users VALUES (1, 'a'), (2, 'a');");
        var set = MigrationSet.Parse([
            ("1_users_email.up.sql", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n"),
            ("1_users_email.down.sql", "DROP INDEX CONCURRENTLY IF EXISTS users_email;\n"),
        ]);

        var first = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(set));
        Assert.Contains("23505", first.Message, StringComparison.Ordinal);
        Assert.Contains("INVALID indexes left behind: users_email", first.Message, StringComparison.Ordinal);
        Assert.Equal("dirty", Assert.Single(await Migrator.StatusAsync(set)).State);

        // The operator fixes the data and resolves, but forgets the INVALID index: IF NOT EXISTS would skip it and "succeed".
        await _database.ExecuteAsync("UPDATE users SET email = 'b' WHERE id = 2");
        await Migrator.ResolveAsync(1, applied: false);
        var retried = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(set));
        Assert.Contains("index users_email is INVALID after this statement reported success", retried.Message, StringComparison.Ordinal);
        Assert.Equal("dirty", Assert.Single(await Migrator.StatusAsync(set)).State);

        await _database.ExecuteAsync("DROP INDEX users_email");
        await Migrator.ResolveAsync(1, applied: false);
        await Migrator.UpAsync(set);
        Assert.Equal("applied", Assert.Single(await Migrator.StatusAsync(set)).State);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM pg_index WHERE indexrelid = 'users_email'::regclass AND indisvalid"));
    }

    [Fact]
    public async Task A_sql_standard_function_body_and_tricky_literals_are_sent_intact()
    {
        var set = MigrationSet.Parse([
            ("1_fn.up.sql", "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT i + 1;\nEND;\nCREATE TABLE \"odd;name\" (v text DEFAULT E'a\\';b');\nINSERT INTO \"odd;name\" DEFAULT VALUES;\n"),
            ("1_fn.down.sql", "DROP TABLE \"odd;name\";\nDROP FUNCTION add_one(int);\n"),
        ]);
        await Migrator.UpAsync(set);
        Assert.Equal(3, await ScalarAsync("SELECT add_one(2)"));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM \"odd;name\" WHERE v = 'a'';b'"));
        await Migrator.DownAsync(set, new DownRequest { ToVersion = 0 });
    }

    private async Task<string> SchemaAsync()
    {
        var server = await TestPostgres.GetServerAsync();
        var pgDump = Path.Combine(server.BinDirectory ?? "/usr/lib/postgresql/15/bin", "pg_dump");
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        var (code, output, error) = await ProcessRunner.RunAsync(pgDump, ["--schema-only", "--exclude-schema=dataguard", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, builder.Database!],
            new Dictionary<string, string> { ["PGPASSWORD"] = builder.Password! });
        Assert.True(code == 0, error);
        return string.Join('\n', output.Split('\n').Where(line => !line.StartsWith("\\restrict", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict", StringComparison.Ordinal)));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
