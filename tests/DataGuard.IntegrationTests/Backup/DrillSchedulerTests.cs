using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DataGuard.IntegrationTests.Backup;

public sealed class DrillSchedulerTests
{
    [Fact]
    public async Task The_scheduler_drills_the_newest_backup_at_its_slot()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 15);
        await harness.Backups.RunAsync();

        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 1, 1, 4, 58, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = harness.Database.ConnectionString).AddFileSystemStorage(harness.DiskRoot!);
        await using var provider = services.BuildServiceProvider();
        var scheduler = provider.GetRequiredService<DrillScheduler>();
        var drills = provider.GetRequiredService<DrillService>();
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // The default schedule is quarterly (January, April, July, October): 05:00 on 1 January is a slot.
            Assert.Empty(await drills.ListAsync());
            await Eventually.WaitUntilAsync(
                async () =>
                {
                    clock.Advance(TimeSpan.FromMinutes(1));
                    await Task.Delay(50);
                    return (await drills.ListAsync()).Count == 1;
                },
                TimeSpan.FromSeconds(60));
            var report = Assert.Single(await drills.ListAsync());
            Assert.True(report.Passed, report.Error);
            Assert.Equal(new DateTimeOffset(2027, 1, 1, 5, 0, 0, TimeSpan.Zero), report.StartedAt, TimeSpan.FromMinutes(2));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }
}
