using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Retention;

public sealed class RetentionSchedulerTests
{
    [Fact]
    public async Task The_scheduler_runs_the_policies_at_each_slot()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync("CREATE TABLE log (id int, at timestamptz); INSERT INTO log SELECT g, now() - g * interval '1 day' FROM generate_series(1, 100) g;");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = database.ConnectionString);
        services.Configure<RetentionOptions>(o =>
        {
            o.Schedule = "30 4 * * *";
            o.Policies.Add(new RetentionPolicyOptions { Name = "log", Table = "public.log", TimestampColumn = "at", MaxAge = TimeSpan.FromDays(30) });
        });
        await using var provider = services.BuildServiceProvider();
        var scheduler = provider.GetRequiredService<RetentionScheduler>();
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // Nothing before the slot; the run follows once the clock passes 04:30. The cutoff follows the fake clock.
            clock.Advance(TimeSpan.FromMinutes(29));
            await Task.Delay(300);
            Assert.Equal(0, await CountAsync(database.ConnectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'dataguard' AND tablename = 'retention_runs'"));
            for (var i = 0; i < 100 && await RunsAsync(database.ConnectionString) == 0; i++)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(100);
            }

            Assert.Equal(1, await RunsAsync(database.ConnectionString));
            var expected = await CountAsync(database.ConnectionString, $"SELECT count(*) FROM log WHERE at >= '{clock.GetUtcNow():O}'::timestamptz - interval '30 days'");
            Assert.Equal(expected, await CountAsync(database.ConnectionString, "SELECT count(*) FROM log"));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<long> RunsAsync(string connectionString) =>
        await CountAsync(connectionString, "SELECT count(*) FROM pg_tables WHERE schemaname = 'dataguard' AND tablename = 'retention_runs'") == 0
            ? 0
            : await CountAsync(connectionString, "SELECT count(*) FROM dataguard.retention_runs WHERE finished_at IS NOT NULL");
}
