using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.IntegrationTests.Backup;

public sealed class DrillTests
{
    [Fact]
    public async Task A_drill_of_a_good_backup_passes_records_rto_and_rpo_and_leaves_no_scratch_database()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 300);
        var options = harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
        options.Checks.Add(new DrillCheckOptions { Name = "users", Sql = "SELECT count(*) FROM public.users", Expected = "300" });
        options.Checks.Add(new DrillCheckOptions { Name = "wrong on purpose", Sql = "SELECT 1 = 2", Expected = "false" });
        Assert.Equal(HealthStatus.Unhealthy, await DrillHealthAsync(harness));
        var backup = await harness.Backups.RunAsync();
        Assert.Equal(HealthStatus.Degraded, await DrillHealthAsync(harness));   // backups are new: no drill was due yet

        var report = await harness.Services.GetRequiredService<DrillService>().RunAsync();
        Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(backup.Id, report.BackupId);
        Assert.True(report.RtoSeconds > 0);
        Assert.InRange(report.RpoSeconds!.Value, 0, 600);
        Assert.Equal(["checksum", "row counts", "users", "wrong on purpose"], report.Checks.Select(c => c.Name));
        Assert.StartsWith("127.0.0.1:", report.Target, StringComparison.Ordinal);
        Assert.Equal(0, await CountDrillDatabasesAsync());
        Assert.NotNull(await harness.Storage.GetInfoAsync($"drills/{report.Id}.json"));
        Assert.Equal(report, Assert.Single(await harness.Services.GetRequiredService<DrillService>().ListAsync()), new ReportComparer());
        Assert.Equal(HealthStatus.Healthy, await DrillHealthAsync(harness));

        // A passing drill older than the interval turns the check red too.
        options.MaxInterval = TimeSpan.FromMilliseconds(1);
        Assert.Equal(HealthStatus.Unhealthy, await DrillHealthAsync(harness));
    }

    [Fact]
    public async Task A_drill_of_a_corrupted_backup_fails_before_restoring_and_the_health_check_turns_unhealthy()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        var backup = await harness.Backups.RunAsync();
        var path = Path.Combine(harness.DiskRoot!, backup.DataKey);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.SetAttributes(path, FileAttributes.Normal);
        await File.WriteAllBytesAsync(path, bytes);

        var report = await harness.Services.GetRequiredService<DrillService>().RunAsync();
        Assert.False(report.Passed);
        Assert.Null(report.RtoSeconds);
        Assert.False(Assert.Single(report.Checks, c => c.Name == "checksum").Passed);
        Assert.Equal(0, await CountDrillDatabasesAsync());
        var health = await harness.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == DrillHealthCheck.Name);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("failed", health.Entries[DrillHealthCheck.Name].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_drill_that_cannot_create_its_scratch_database_fails_clearly_and_touches_nothing()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        await harness.Backups.RunAsync();
        await using var bystander = await TestPostgres.CreateDatabaseAsync();
        await bystander.ExecuteAsync("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1), (2)");
        harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value.Database = bystander.Name;

        var report = await harness.Services.GetRequiredService<DrillService>().RunAsync();
        Assert.False(report.Passed);
        Assert.Contains("already exists", report.Error, StringComparison.Ordinal);
        Assert.Equal(2, await SampleData.ScalarAsync(bystander.ConnectionString, "SELECT count(*) FROM precious"));
    }

    [Fact]
    public async Task Pointing_the_drill_at_the_production_database_is_refused()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        await harness.Backups.RunAsync();
        var before = await SampleData.FingerprintAsync(harness.Database.ConnectionString);
        harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value.Database = harness.Database.Name;

        var ex = await Assert.ThrowsAsync<DataGuardException>(() => harness.Services.GetRequiredService<DrillService>().RunAsync());
        Assert.Contains("it is the production database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await SampleData.FingerprintAsync(harness.Database.ConnectionString));
        Assert.Empty(await harness.Services.GetRequiredService<DrillService>().ListAsync());
    }

    [Fact]
    public async Task A_drill_of_a_database_with_a_subscription_restores_it_without_the_subscription_and_drops_its_scratch_database()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 30);

        // A subscription whose publisher does not even listen: restoring it must neither connect nor keep the copy alive.
        await harness.Database.ExecuteAsync("CREATE SUBSCRIPTION drill_sub CONNECTION 'host=127.0.0.1 port=1 dbname=nowhere connect_timeout=1' PUBLICATION nothing WITH (connect = false)");
        try
        {
            await harness.Backups.RunAsync();
            var options = harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
            options.Checks.Add(new DrillCheckOptions { Name = "no subscription", Sql = "SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()", Expected = "0" });

            var report = await harness.Services.GetRequiredService<DrillService>().RunAsync();
            Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
            Assert.Equal(0, await CountDrillDatabasesAsync());
        }
        finally
        {
            await harness.Database.ExecuteAsync("ALTER SUBSCRIPTION drill_sub SET (slot_name = NONE)");
            await harness.Database.ExecuteAsync("DROP SUBSCRIPTION drill_sub");
        }
    }

    [Fact]
    public async Task A_drill_drops_the_scratch_databases_of_drills_that_did_not_finish_and_nothing_else()
    {
        // A drill killed after its restore committed left a full copy of the backup that no later drill dropped (found
        // by the chaos suite). Now each drill owns its scratch database through an advisory lock, and the next drill
        // drops those with a generated name whose owner is gone; a running drill's, and names chosen by hand, stay.
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        await harness.Backups.RunAsync();
        var prefix = $"dg_left_{Guid.NewGuid():N}"[..16] + "_";
        harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value.DatabasePrefix = prefix;
        var server = await TestPostgres.GetServerAsync();
        var abandoned = prefix + "20260101_000000_abcdef";
        var running = prefix + "20260101_000001_123456";
        var byHand = prefix + "kept_by_hand";
        foreach (var name in new[] { abandoned, running, byHand })
        {
            await ExecuteAsync(server.AdminConnectionString, $"CREATE DATABASE {name}");
        }

        await ExecuteAsync(new Npgsql.NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = abandoned }.ConnectionString, "CREATE TABLE users AS SELECT g AS id, 'someone' || g AS email FROM generate_series(1, 10) g");

        // Another drill is running: it holds its database's lock.
        await using var owner = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = "postgres" }.ConnectionString);
        await owner.OpenAsync();
        await using (var hold = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock(hashtextextended('dataguard.drill:' || '{running}', 0))", owner))
        {
            await hold.ExecuteNonQueryAsync();
        }

        try
        {
            var report = await harness.Services.GetRequiredService<DrillService>().RunAsync();

            Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
            var leftovers = Assert.Single(report.Checks, c => c.Name == "leftovers");
            Assert.Equal($"dropped 1 scratch database(s) of drills that did not finish: {abandoned}", leftovers.Detail);
            var remaining = await DatabasesAsync(server.AdminConnectionString, prefix);
            Assert.Equal(new[] { byHand, running }.Order(StringComparer.Ordinal), remaining.Order(StringComparer.Ordinal));
        }
        finally
        {
            await owner.CloseAsync();
            foreach (var name in new[] { abandoned, running, byHand })
            {
                await ExecuteAsync(server.AdminConnectionString, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
        }
    }

    /// <summary>
    /// A drill's ownership of its scratch database is a session advisory lock on an otherwise idle connection to the drill
    /// server's <c>postgres</c> database. When the server ended that idle session (<c>idle_session_timeout</c>), the running
    /// drill's database looked abandoned and the next drill dropped it WITH (FORCE) under it (review of the sweep). The lock
    /// session now turns the timeouts off, and a database anyone is connected to is never swept.
    /// </summary>
    [Fact]
    public async Task A_running_drill_whose_idle_lock_session_timed_out_is_not_swept_by_another_drill()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        await harness.Backups.RunAsync();
        var options = harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
        var prefix = $"dg_rev7_{Guid.NewGuid():N}"[..16] + "_";
        options.DatabasePrefix = prefix;

        // The drill server ends sessions idle for 1.5 s (a server-side idle_session_timeout, set here per connection).
        options.ServerConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Options = "-c idle_session_timeout=1500" }.ConnectionString;

        // A check that takes a while (a real drill's checks or restore take minutes).
        options.Checks.Add(new DrillCheckOptions { Name = "slow", Sql = "SELECT count(*) FROM public.users, pg_sleep(8)", Expected = "50" });
        var drills = harness.Services.GetRequiredService<DrillService>();
        var server = await TestPostgres.GetServerAsync();

        var first = drills.RunAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await SampleData.ScalarAsync(server.AdminConnectionString, $"SELECT count(*) FROM pg_database WHERE starts_with(datname, '{prefix}')") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first drill never created its scratch database");
            await Task.Delay(100);
        }

        await Task.Delay(3000);   // the first drill's lock session has been idle longer than idle_session_timeout
        var second = await drills.RunAsync();
        var firstReport = await first;

        var describe = (DrillReport r) => r.Error ?? string.Join("; ", r.Checks.Select(c => $"{c.Name}: {c.Passed} {c.Detail}"));
        Assert.True(firstReport.Passed, $"the running drill failed: {describe(firstReport)} | the other drill said: {describe(second)}");
        Assert.DoesNotContain(second.Checks, c => c.Name == "leftovers");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        // Not pooled: a pooled connection would stay connected to the database (a drill never sweeps one in use).
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> DatabasesAsync(string connectionString, string prefix)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, @prefix) ORDER BY 1", connection);
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task<HealthStatus> DrillHealthAsync(BackupHarness harness) =>
        (await harness.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == DrillHealthCheck.Name)).Status;

    private static async Task<long> CountDrillDatabasesAsync()
    {
        var server = await TestPostgres.GetServerAsync();
        return await SampleData.ScalarAsync(server.AdminConnectionString, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dataguard\\_drill\\_%' AND datname NOT IN (SELECT datname FROM pg_stat_activity WHERE application_name = 'dataguard-drill' AND state = 'active')");
    }

    private sealed class ReportComparer : IEqualityComparer<DrillReport>
    {
        public bool Equals(DrillReport? x, DrillReport? y) => x?.Id == y?.Id && x?.Passed == y?.Passed && x?.RtoSeconds == y?.RtoSeconds && x!.Checks.SequenceEqual(y!.Checks);

        public int GetHashCode(DrillReport obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
