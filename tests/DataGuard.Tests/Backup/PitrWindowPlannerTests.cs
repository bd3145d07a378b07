using DataGuard.Backup;
using DataGuard.Pitr;

namespace DataGuard.Tests.Backup;

public class PitrWindowPlannerTests
{
    private const long Segment = 16 * 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_base_backups_in_the_window_and_the_newest_before_it()
    {
        var backups = Enumerable.Range(0, 12).Select(i => Base(Now.AddDays(-i), $"0/{(12 - i) * 0x1000000:X}")).ToList();
        var plan = PitrWindowPlanner.Plan(backups, 7, Now);

        // Days 0..7 lie in the window (day 7 at its very start); day 8 is where recovery to the window's start begins.
        Assert.Equal(9, plan.Count(d => d.Keep));
        var anchor = Assert.Single(plan, d => d.KeptBecause?.Contains("starts from", StringComparison.Ordinal) == true);
        Assert.Equal(Now.AddDays(-8), anchor.Backup.CompletedAt);
        Assert.All(plan.Where(d => !d.Keep), d => Assert.True(d.Backup.CompletedAt < Now.AddDays(-8)));
    }

    [Fact]
    public void Wal_before_the_oldest_kept_base_backup_and_on_older_timelines_expires_but_history_files_stay()
    {
        var kept = new[] { Base(Now.AddDays(-1), "0/5000028", timeline: 2) };
        string[] names = ["000000010000000000000009", "000000020000000000000004", "000000020000000000000005", "000000020000000000000006", "00000002.history", "000000020000000000000004.00000028.backup"];
        var files = names.Select(n => new ArchivedWalFile(n, $"wal/{n[..8]}/{n}.zst", 1, Now)).ToList();

        var expired = PitrWindowPlanner.ExpiredWal(files, kept, Segment).Select(f => f.Name).ToList();

        Assert.Equal(["000000010000000000000009", "000000020000000000000004", "000000020000000000000004.00000028.backup"], expired);
    }

    private static BackupManifest Base(DateTimeOffset completedAt, string startLsn, int timeline = 1) => new()
    {
        Id = BackupIds.NewId("physical", completedAt.AddMinutes(-5)),
        Kind = "physical",
        Provider = "pg_basebackup",
        Database = "(cluster)",
        Server = "db:5432",
        ServerVersion = "15",
        StartedAt = completedAt.AddMinutes(-5),
        CompletedAt = completedAt,
        DataKey = "backups/x/data.tar.zst",
        RawSize = 1,
        StoredSize = 1,
        Sha256 = "00",
        Compression = new BackupCompression("zstd", 3),
        Wal = new WalPositions(startLsn, startLsn, timeline, "1"),
        Verification = new BackupVerification(completedAt, true, "ok", 1, 1),
    };
}
