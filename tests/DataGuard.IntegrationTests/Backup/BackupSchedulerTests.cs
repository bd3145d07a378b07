using DataGuard.Backup;
using DataGuard.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Backup;

public sealed class BackupSchedulerTests
{
    [Fact]
    public async Task Two_hosts_due_for_the_same_slot_make_exactly_one_backup()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        var slot = new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);
        var hostA = harness.CreateReplica().GetRequiredService<BackupScheduler>();
        var hostB = harness.CreateReplica().GetRequiredService<BackupScheduler>();

        var results = await Task.WhenAll(hostA.RunSlotAsync(slot, CancellationToken.None), hostB.RunSlotAsync(slot, CancellationToken.None));
        var late = await harness.CreateReplica().GetRequiredService<BackupScheduler>().RunSlotAsync(slot, CancellationToken.None);

        Assert.Single(results, r => r is not null);
        Assert.Null(late);
        var backup = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups);
        Assert.Equal(slot, backup.ScheduledFor);
    }

    [Fact]
    public async Task A_slot_missed_while_the_host_was_down_is_found_at_start_up()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 5);
        var scheduler = harness.Services.GetRequiredService<BackupScheduler>();
        var hourly = CronSchedule.Parse("0 * * * *", "UTC");

        var missed = await scheduler.FindMissedSlotAsync(hourly, CancellationToken.None);
        Assert.NotNull(missed);
        Assert.True(DateTimeOffset.UtcNow - missed.Value < TimeSpan.FromHours(1));

        await harness.Backups.RunAsync();
        Assert.Null(await scheduler.FindMissedSlotAsync(hourly, CancellationToken.None));
    }
}
