using System.Globalization;
using DataGuard.Backup;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// Restored copies of a cluster whose database <c>app</c> subscribes (a real, enabled subscription) to a publication of
/// its database <c>pub</c> through the slot <c>clone_probe</c>: the copy must start isolated (no logical replication
/// worker, subscriptions disabled with slot_name NONE, 127.0.0.1 only, other preloaded libraries kept), leave the
/// publisher's slot alone, and never archive into the archive.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CloneIsolationTests
{
    private const string Slot = "clone_probe";

    [Fact]
    public async Task A_restored_copy_disables_its_subscription_leaves_the_publishers_slot_alone_and_archives_nothing()
    {
        await using var cluster = await StartWithSubscriptionAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        await cluster.Services.GetRequiredService<RestorePoints>().MarkAsync("subscribed");

        // Production stops its subscriber after that point: the slot is free, and a copy restored to the point would take it.
        await cluster.ExecuteAsync("ALTER SUBSCRIPTION s DISABLE", "app");
        await WaitUntilAsync(async () => await SlotAsync(cluster) is { Active: false });
        await cluster.WriteSegmentsAsync(2);
        var before = await SlotAsync(cluster);

        var port = PitrTestCluster.FreePort();
        var dir = cluster.NewCopyDirectory("copy");
        var result = await cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(new PitrRestoreRequest
        {
            DataDirectory = dir,
            Target = PitrTarget.AtRestorePoint("subscribed"),
            RestoreCommand = cluster.RestoreCommand,
            Port = port,
            Start = true,
            Promote = true,
            WaitTimeout = TimeSpan.FromMinutes(3),
        });
        Assert.Equal("promoted", result.State);
        var isolation = Assert.IsType<PitrIsolation>(result.Isolation);
        Assert.True(isolation.Complete, isolation.ToString());
        Assert.Equal(1, isolation.Subscriptions);
        Assert.Equal(1, isolation.SubscriptionsDisabled);

        var copy = cluster.CopyConnection(port, "app");
        Assert.Equal("false|true", await ScalarAsync(copy, "SELECT subenabled || '|' || (subslotname IS NULL) FROM pg_subscription WHERE subname = 's'"));
        Assert.Equal("off|0|127.0.0.1|pg_stat_statements", await ScalarAsync(copy, "SELECT current_setting('archive_mode') || '|' || current_setting('max_logical_replication_workers') || '|' || current_setting('listen_addresses') || '|' || current_setting('shared_preload_libraries')"));

        // The promoted copy writes and switches WAL on its new timeline: none of it may reach the archive.
        await ExecuteAsync(copy, "CREATE TABLE written_on_the_copy (i int); INSERT INTO written_on_the_copy SELECT generate_series(1, 1000)");
        await ScalarAsync(copy, "SELECT pg_switch_wal()::text");
        await ScalarAsync(copy, "SELECT pg_switch_wal()::text");

        // For a few seconds (a logical replication launcher would start its worker within them), the slot stays unused.
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(before, await SlotAsync(cluster));
            Assert.Equal("0", await ScalarAsync(copy, "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'logical replication%'"));
            await Task.Delay(500);
        }

        Assert.Equal(["00000001"], Directory.GetDirectories(Path.Combine(cluster.StorageRoot, "wal")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_physical_drill_of_a_cluster_with_a_subscription_runs_its_copy_isolated()
    {
        await using var cluster = await StartWithSubscriptionAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        await cluster.WriteSegmentsAsync(2);
        var holder = await SlotAsync(cluster);
        Assert.True(holder.Active, "production's own subscriber should hold its slot");

        var options = cluster.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
        options.RestoreCommand = cluster.RestoreCommand;
        options.PhysicalDataRoot = cluster.Root;
        options.Checks.Add(new DrillCheckOptions { Name = "markers", Sql = "SELECT count(*) FROM markers", Expected = "2" });
        var report = await cluster.Services.GetRequiredService<DrillService>().RunPhysicalAsync();

        Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        var isolation = Assert.Single(report.Checks, c => c.Name == "isolation");
        Assert.Contains("1 subscription(s) disabled with slot_name = NONE", isolation.Detail, StringComparison.Ordinal);
        Assert.Contains("listens on 127.0.0.1 only", isolation.Detail, StringComparison.Ordinal);
        Assert.Equal(holder.Pid, (await SlotAsync(cluster)).Pid);
        Assert.Equal(["00000001"], Directory.GetDirectories(Path.Combine(cluster.StorageRoot, "wal")).Select(Path.GetFileName));

        // Opting out keeps production's settings (the copy of a cluster that becomes the primary).
        options.Isolate = false;
        options.Checks.Clear();
        var notIsolated = await cluster.Services.GetRequiredService<DrillService>().RunPhysicalAsync();
        Assert.True(notIsolated.Passed, notIsolated.Error);
        Assert.DoesNotContain(notIsolated.Checks, c => c.Name == "isolation");
    }

    /// <summary>
    /// A cluster with wal_level = logical and pg_stat_statements preloaded; database <c>pub</c> publishes a table through a
    /// slot made beforehand, database <c>app</c> subscribes to it over TCP (enabled: production's worker holds the slot).
    /// </summary>
    private static async Task<PitrTestCluster> StartWithSubscriptionAsync()
    {
        var cluster = await PitrTestCluster.StartOnDiskAsync("wal_level = logical\nshared_preload_libraries = 'pg_stat_statements'");
        try
        {
            await cluster.ExecuteAsync("CREATE DATABASE pub");
            await cluster.ExecuteAsync("CREATE DATABASE app");
            await cluster.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE items", "pub");
            await cluster.ScalarAsync($"SELECT pg_create_logical_replication_slot('{Slot}', 'pgoutput')::text", "pub");
            var publisher = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
            await cluster.ExecuteAsync("CREATE TABLE items (id int PRIMARY KEY)", "app");
            await cluster.ExecuteAsync(
                $"CREATE SUBSCRIPTION s CONNECTION 'host=127.0.0.1 port={publisher.Port} dbname=pub user={publisher.Username} password={publisher.Password}' PUBLICATION p WITH (create_slot = false, slot_name = '{Slot}', copy_data = false)",
                "app");
            await cluster.ExecuteAsync("INSERT INTO items VALUES (1)", "pub");
            await WaitUntilAsync(async () => await cluster.ScalarAsync("SELECT count(*) FROM items", "app") == "1");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task<SlotState> SlotAsync(PitrTestCluster cluster)
    {
        var row = await cluster.ScalarAsync($"SELECT active || '|' || coalesce(active_pid, 0) || '|' || coalesce(confirmed_flush_lsn::text, '') FROM pg_replication_slots WHERE slot_name = '{Slot}'");
        var parts = row.Split('|');
        return new SlotState(parts[0] == "true", int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("condition not met within 30 s");
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed record SlotState(bool Active, int Pid, string ConfirmedFlush);
}
