using DataGuard.Backup;
using DataGuard.Configuration;

namespace DataGuard.Tests.Backup;

public class BackupRetentionPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_everything_younger_than_the_age_limit_and_deletes_older_unkept_backups()
    {
        var backups = Daily(60);
        var plan = BackupRetentionPlanner.Plan(backups, new BackupRetentionOptions { Days = 30, KeepDaily = 0, KeepWeekly = 0, KeepMonthly = 0, MinimumCount = 0 }, Now);

        Assert.Equal(30, plan.Count(d => d.Keep));
        Assert.All(plan.Where(d => d.Keep), d => Assert.True(Now - d.Backup.StartedAt < TimeSpan.FromDays(30)));
    }

    [Fact]
    public void Grandfather_father_son_keeps_the_newest_of_each_day_week_and_month()
    {
        var backups = Daily(400);
        var plan = BackupRetentionPlanner.Plan(backups, new BackupRetentionOptions { Days = 1, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12, MinimumCount = 0 }, Now);
        var kept = plan.Where(d => d.Keep).ToList();

        Assert.InRange(kept.Count, 12, 23);
        Assert.Contains(kept, d => d.KeptBecause!.Contains("monthly backup of 2026-01", StringComparison.Ordinal));
        Assert.DoesNotContain(kept, d => d.Backup.StartedAt < Now.AddDays(-370));
    }

    [Fact]
    public void The_newest_verified_and_a_minimum_count_survive_even_when_all_are_old()
    {
        var backups = Daily(10, startDaysAgo: 100);
        var plan = BackupRetentionPlanner.Plan(backups, new BackupRetentionOptions { Days = 30, KeepDaily = 0, KeepWeekly = 0, KeepMonthly = 0, MinimumCount = 3 }, Now);

        var kept = plan.Where(d => d.Keep).Select(d => d.Backup).ToList();
        Assert.Equal(3, kept.Count);
        Assert.Equal(backups.MaxBy(b => b.StartedAt)!.Id, kept[0].Id);
        Assert.Contains("newest verified", plan[0].KeptBecause);
    }

    [Fact]
    public void Failed_backups_do_not_count_as_the_newest_verified()
    {
        var good = Backup(Now.AddDays(-50), verified: true);
        var bad = Backup(Now.AddDays(-40), verified: false);
        var plan = BackupRetentionPlanner.Plan([good, bad], new BackupRetentionOptions { Days = 30, KeepDaily = 0, KeepWeekly = 0, KeepMonthly = 0, MinimumCount = 0 }, Now);

        Assert.True(plan.Single(d => d.Backup.Id == good.Id).Keep);
        Assert.False(plan.Single(d => d.Backup.Id == bad.Id).Keep);
    }

    private static List<BackupManifest> Daily(int count, int startDaysAgo = 0) =>
        [.. Enumerable.Range(0, count).Select(i => Backup(Now.AddDays(-(startDaysAgo + i)).AddHours(-9), verified: true))];

    private static BackupManifest Backup(DateTimeOffset startedAt, bool verified) => new()
    {
        Id = BackupIds.NewId("logical", startedAt),
        Kind = "logical",
        Provider = "pg_dump",
        Database = "app",
        Server = "db:5432",
        ServerVersion = "15",
        StartedAt = startedAt,
        CompletedAt = startedAt.AddMinutes(5),
        DataKey = "backups/x/data",
        RawSize = 1,
        StoredSize = 1,
        Sha256 = "00",
        Compression = new BackupCompression("zstd", 3),
        Verification = new BackupVerification(startedAt.AddMinutes(6), verified, "test", 1, 1),
    };
}
