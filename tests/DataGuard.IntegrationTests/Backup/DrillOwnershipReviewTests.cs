using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// A drill's ownership of its scratch database is a session advisory lock on an otherwise idle connection to the drill
/// server's <c>postgres</c> database. When the server ended that idle session (<c>idle_session_timeout</c>), the running
/// drill's database looked abandoned and the next drill dropped it WITH (FORCE) under it (review of the sweep). The lock
/// session now turns the timeouts off, and a database anyone is connected to is never swept.
/// </summary>
public sealed class DrillOwnershipReviewTests
{
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
        options.ServerConnectionString = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Options = "-c idle_session_timeout=1500" }.ConnectionString;

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
}
