using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Migrations;

public sealed class MigratorTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    private Migrator Migrator => _services.GetRequiredService<Migrator>();

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        _services = Build(TimeSpan.FromSeconds(1));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Up_all_then_down_all_leaves_only_the_ledger_and_up_down_up_gives_the_same_schema()
    {
        var set = MigrationDirectory.Parse(MigrationFixtures.Project());
        Assert.True(set.Migrations.Count >= 100);

        var applied = (await Migrator.UpAsync(set)).Steps;
        Assert.Equal(set.Migrations.Count, applied.Count);
        Assert.Contains(applied, s => s.Transaction == "own-transaction");
        Assert.Contains(applied, s => s.Transaction == "no-transaction");
        Assert.All(await Migrator.StatusAsync(set), row => Assert.Equal("applied", row.State));
        var first = await SchemaAsync();

        await Migrator.DownAsync(set, new DownRequest { ToVersion = 0 });
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'dataguard', 'pg_toast') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"));
        Assert.All(await Migrator.StatusAsync(set), row => Assert.Equal("rolledback", row.State));

        await Migrator.UpAsync(set);
        Assert.Equal(first, await SchemaAsync());
        var history = await _services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync(1000);
        Assert.Equal(set.Migrations.Count * 3, history.Count);
    }

    [Fact]
    public async Task A_failure_midway_rolls_back_that_migration_records_it_and_runs_nothing_later()
    {
        var files = MigrationFixtures.Project(20);
        files.Add(("0015_create_t012.up.sql", "CREATE TABLE app.boom_ok (i int);\nSELECT 1/0;\n"));
        files.RemoveAll(f => f.Name.StartsWith("0015_create_t012.up.sql", StringComparison.Ordinal) && !f.Text.Contains("boom", StringComparison.Ordinal));
        var set = MigrationDirectory.Parse(files);

        var ex = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(set));
        Assert.Contains("division by zero", ex.Message);

        var status = (await Migrator.StatusAsync(set)).ToDictionary(r => r.Version);
        Assert.Equal("failed", status[15].State);
        Assert.Equal("applied", status[14].State);
        Assert.Equal("pending", status[16].State);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_class WHERE relname = 'boom_ok'"));
        var ledger = await _services.GetRequiredService<IMigrationLedger>().ReadAsync();
        Assert.Contains("division by zero", ledger.Single(e => e.Version == 15).Error);
    }

    [Fact]
    public async Task A_second_migrator_waits_for_the_lock_then_fails_naming_the_holder()
    {
        var slow = MigrationDirectory.Parse([("1_slow.up.sql", "SELECT pg_sleep(4);\n")]);
        var first = Migrator.UpAsync(slow);
        await Task.Delay(700);
        await using var other = Build(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<DataGuardException>(() => other.GetRequiredService<Migrator>().UpAsync(slow));
        Assert.Contains("Another migrator holds the migration lock: pid ", ex.Message);
        Assert.Contains("dataguard-migrate", ex.Message);
        Assert.Single((await first).Steps);
    }

    [Fact]
    public async Task A_changed_applied_file_is_refused_as_drift_unless_allowed()
    {
        var files = MigrationFixtures.Project(3);
        await Migrator.UpAsync(MigrationDirectory.Parse(files));
        var changed = files.Select(f => f.Name == "0003_create_t000.up.sql" ? (f.Name, f.Text + "-- edited after it ran\n") : f).ToList();
        var set = MigrationDirectory.Parse(changed);

        var ex = await Assert.ThrowsAsync<DataGuardException>(() => Migrator.UpAsync(set));
        Assert.Contains("0003_create_t000.up.sql", ex.Message);
        Assert.Contains(await Migrator.StatusAsync(set), r => r.Version == 3 && r.Drifted);
        Assert.Empty((await Migrator.UpAsync(set, allowDrift: true)).Steps);
    }

    [Fact]
    public async Task A_failed_no_transaction_migration_is_dirty_and_blocks_until_resolved()
    {
        var files = new List<(string, string)>
        {
            ("1_table.up.sql", "CREATE TABLE t (v int);\nINSERT INTO t VALUES (1), (1);\n"),
            ("1_table.down.sql", "DROP TABLE t;\n"),
            ("2_unique.up.sql", "-- dataguard:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);\n"),
            ("2_unique.down.sql", "-- dataguard:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS t_v;\n"),
        };
        var set = MigrationDirectory.Parse(files);

        var ex = await Assert.ThrowsAsync<MigrationFailedException>(() => Migrator.UpAsync(set));
        Assert.Contains("dirty", ex.Message);
        Assert.Contains("INVALID indexes left behind: t_v", ex.Message);
        Assert.Equal("dirty", (await Migrator.StatusAsync(set)).Single(r => r.Version == 2).State);
        var refused = await Assert.ThrowsAsync<DataGuardException>(() => Migrator.UpAsync(set));
        Assert.Contains("resolve 2", refused.Message);

        await _database.ExecuteAsync("DROP INDEX t_v; DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t);");
        await Migrator.ResolveAsync(2, applied: false);
        Assert.Single((await Migrator.UpAsync(set)).Steps);
        Assert.Contains(await _services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync(), e => e.Direction == "resolve");
    }

    [Fact]
    public async Task A_migration_whose_files_were_deleted_rolls_back_from_the_ledger_and_irreversible_ones_are_refused()
    {
        var files = MigrationFixtures.Project(3);
        files.Add(("9_purge.up.sql", "-- dataguard:irreversible\nDELETE FROM app.t000;\n"));
        await Migrator.UpAsync(MigrationDirectory.Parse(files));

        var irreversible = await Assert.ThrowsAsync<DataGuardException>(() => Migrator.DownAsync(MigrationDirectory.Parse(files), new DownRequest { Steps = 1 }));
        Assert.Contains("Version 9 (purge) is irreversible", irreversible.Message);

        await Migrator.ResolveAsync(9, applied: false);
        // An older build: it has neither the newest migration's file (0008_settings.sql) nor the purge.
        var olderBuild = MigrationDirectory.Parse(files.Where(f => !f.Name.StartsWith("0008_", StringComparison.Ordinal) && !f.Name.StartsWith("9_", StringComparison.Ordinal)));
        Assert.Contains(await Migrator.StatusAsync(olderBuild), r => r.Version == 8 && r.State == "applied-missing-file");
        var steps = (await Migrator.DownAsync(olderBuild, new DownRequest { Steps = 1 })).Steps;

        Assert.Equal(8, Assert.Single(steps).Version);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_class WHERE relname = 'settings'"));
    }

    [Fact]
    public async Task The_safety_net_takes_a_backup_and_a_restore_point_before_changing_anything()
    {
        var storage = Path.Combine(Path.GetTempPath(), $"dataguard-migrate-{Guid.NewGuid():N}");
        try
        {
            var services = new ServiceCollection();
            services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString).AddFileSystemStorage(storage);
            services.Configure<MigrationsOptions>(o =>
            {
                o.BackupBeforeChange = true;
                o.RestorePointBeforeChange = true;
            });
            await using var provider = services.BuildServiceProvider();
            var set = MigrationDirectory.Parse(MigrationFixtures.Project(2));

            var result = await provider.GetRequiredService<Migrator>().UpAsync(set);

            Assert.NotNull(result.BackupId);
            var backup = await provider.GetRequiredService<DataGuard.Backup.BackupService>().GetAsync(result.BackupId!);
            Assert.DoesNotContain("app.t000", backup.TableRowCounts.Keys);
            Assert.Equal($"before-migrate-{result.DeployId}", result.RestorePoint);
            Assert.NotNull(await provider.GetRequiredService<DataGuard.Postgres.Pitr.RestorePoints>().FindAsync(result.RestorePoint!));
            Assert.Null((await provider.GetRequiredService<Migrator>().UpAsync(set)).BackupId);
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public async Task A_deploy_rolls_back_as_a_unit_and_a_changed_down_file_needs_a_choice()
    {
        var files = MigrationFixtures.Project(2);
        await Migrator.UpAsync(MigrationDirectory.Parse(files));
        files.Add(("0100_late.up.sql", "CREATE TABLE app.late (i int);\n"));
        files.Add(("0100_late.down.sql", "DROP TABLE app.late;\n"));
        files.Add(("0101_later.up.sql", "CREATE TABLE app.later (i int);\n"));
        files.Add(("0101_later.down.sql", "DROP TABLE app.later;\n"));
        var second = await Migrator.UpAsync(MigrationDirectory.Parse(files));
        Assert.Equal([100L, 101L], second.Steps.Select(s => s.Version));

        var edited = files.Select(f => f.Name == "0101_later.down.sql" ? (f.Name, "DROP TABLE IF EXISTS app.later;\n") : f).ToList();
        var conflict = await Assert.ThrowsAsync<DataGuardException>(() => Migrator.DownAsync(MigrationDirectory.Parse(edited), new DownRequest { Deploy = second.DeployId }));
        Assert.Contains("--prefer", conflict.Message);

        var down = await Migrator.DownAsync(MigrationDirectory.Parse(edited), new DownRequest { Deploy = second.DeployId, Prefer = "ledger" });
        Assert.Equal([101L, 100L], down.Steps.Select(s => s.Version));
        Assert.Equal("DROP TABLE app.later;\n", down.Steps[0].Script);
        Assert.All((await Migrator.StatusAsync(MigrationDirectory.Parse(files))).Where(r => r.Version < 100), r => Assert.Equal("applied", r.State));

        var tamper = await Assert.ThrowsAsync<PostgresException>(() => _database.ExecuteAsync("DELETE FROM dataguard.migration_history"));
        Assert.Contains("append-only", tamper.Message);
    }

    [Fact]
    public async Task Plan_prints_what_would_run_and_runs_nothing()
    {
        var set = MigrationDirectory.Parse(MigrationFixtures.Project(5));
        var plan = await Migrator.PlanUpAsync(set);
        Assert.Equal(set.Migrations.Select(m => m.Version), plan.Select(p => p.Version));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_namespace WHERE nspname IN ('app', 'dataguard')"));
    }

    private ServiceProvider Build(TimeSpan lockTimeout)
    {
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        services.Configure<MigrationsOptions>(o =>
        {
            o.LockTimeout = lockTimeout;
            o.Application = "tests 1.0";
        });
        return services.BuildServiceProvider();
    }

    private async Task<string> SchemaAsync()
    {
        var server = await TestPostgres.GetServerAsync();
        var pgDump = Path.Combine(server.BinDirectory ?? "/usr/lib/postgresql/15/bin", "pg_dump");
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        var (code, output, error) = await ProcessRunner.RunAsync(pgDump, ["--schema-only", "--exclude-schema=dataguard", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username!, builder.Database!],
            new Dictionary<string, string> { ["PGPASSWORD"] = builder.Password! });
        Assert.True(code == 0, error);

        // pg_dump 15.14+ brackets its output with \restrict and \unrestrict lines holding a random key.
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
