using System.Globalization;
using DataGuard.AspNetCore.Tests.Infrastructure;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Migrations;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Retention;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>
/// What the dashboard tests show: 30 days of backup history (manifests written as the backup service writes them,
/// one verification failed, two days missed, one orphaned run), two physical base backups and a WAL archive with one
/// gap (file times spread over the PITR window), six drill reports (one failed), and, run for real through DataGuard's
/// services, two retention runs with held rows, two migration deploys, and three self-service exports.
/// </summary>
internal static class DashboardSeed
{
    public const int LogicalBackups = 26;
    public const int Drills = 6;
    public const int Exports = 3;

    /// <summary>The configuration the seed needs: PITR on, a retention policy.</summary>
    public static Dictionary<string, string?> Configuration => new()
    {
        ["DataGuard:Pitr:Enabled"] = "true",
        ["DataGuard:Pitr:WindowDays"] = "7",
        ["DataGuard:Retention:Policies:0:Name"] = "audit-log",
        ["DataGuard:Retention:Policies:0:Table"] = "public.audit_log",
        ["DataGuard:Retention:Policies:0:TimestampColumn"] = "created_at",
        ["DataGuard:Retention:Policies:0:MaxAge"] = "90.00:00:00",
        ["DataGuard:Export:RateLimit"] = "00:00:00",
    };

    public static async Task SeedAsync(TestHost host, TestDatabase database)
    {
        var services = host.Services;
        var storage = services.GetRequiredService<IBackupStorage>();
        var now = DateTimeOffset.UtcNow;
        var keys = EncryptionKeyRingFactory.Create(new EncryptionOptions());

        // Backups: daily at 03:00 for 30 days, days 9 and 10 missed, day 20's verification failed.
        var count = 0;
        for (var day = 29; day >= 0; day--)
        {
            if (day is 9 or 10 or 0 or 1)
            {
                continue;
            }

            var started = now.Date.AddDays(-day).AddHours(3);
            var startedAt = new DateTimeOffset(started, TimeSpan.Zero);
            var size = 40_000_000L + (day * 1_250_000L) + (day % 3 * 3_000_000L);
            await WriteBackupAsync(storage, keys, "logical", startedAt, TimeSpan.FromSeconds(70 + (day % 5 * 20)), size, day == 20 ? new BackupVerification(startedAt.AddMinutes(5), false, "checksum mismatch: stored bytes differ from the manifest", 4, null) : null, null);
            count++;
        }

        // Today's and yesterday's as physical base backups (the PITR window starts at the older one).
        await WriteBackupAsync(storage, keys, "physical", now.AddDays(-6).AddHours(-1), TimeSpan.FromMinutes(4), 90_000_000, null, new WalPositions("0/2000028", "0/2000100", 1, "7300000000000000001"));
        await WriteBackupAsync(storage, keys, "physical", now.AddHours(-20), TimeSpan.FromMinutes(5), 95_000_000, null, new WalPositions("0/9000028", "0/9000100", 1, "7300000000000000001"));

        // An orphaned run 12 days ago: data, no manifest.
        var orphanId = BackupIds.NewId("logical", now.AddDays(-12));
        await storage.WriteAsync(StorageLayout.BackupData(orphanId, "dump", ".zst"), new MemoryStream(new byte[128]));
        Touch(host, StorageLayout.BackupData(orphanId, "dump", ".zst"), now.AddDays(-12));

        // WAL segments 2..16 on timeline 1, spread over the last 6 days; segment 8 is missing (a gap).
        for (var segment = 2; segment <= 16; segment++)
        {
            if (segment == 8)
            {
                continue;
            }

            var name = "00000001" + "00000000" + segment.ToString("X8", CultureInfo.InvariantCulture);
            var key = StorageLayout.WalFile("00000001", name, ".zst");
            await storage.WriteAsync(key, new MemoryStream(new byte[64]));
            Touch(host, key, now.AddDays(-6) + (TimeSpan.FromDays(6) * (segment - 2) / 14.0));
        }

        // Drill reports: monthly, the third one failed.
        var reports = new DrillReports(storage);
        for (var i = 0; i < Drills; i++)
        {
            var started = now.AddDays(-30 * (Drills - i)).AddHours(5);
            var passed = i != 2;
            await reports.SaveAsync(
                new DrillReport(
                    started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-drill-" + i.ToString(CultureInfo.InvariantCulture),
                    "backup-" + i.ToString(CultureInfo.InvariantCulture),
                    started.AddHours(-2 - i),
                    started,
                    "127.0.0.1:5432/dataguard_drill_" + i.ToString(CultureInfo.InvariantCulture),
                    (2 + i) * 3600,
                    passed ? 300 + (i * 45) : null,
                    [new DrillCheckResult("row counts", passed, passed ? "12 tables match" : "orders: 0 rows, expected 4")],
                    passed,
                    passed ? null : "row counts: orders has 0 rows, the backup's manifest says 4"),
                CancellationToken.None);
        }

        // Retention, for real: old audit rows, a legal hold on user 2, two runs.
        await database.ExecuteAsync("INSERT INTO audit_log (user_id, action, created_at) SELECT 1 + (i % 3), 'login', now() - interval '200 days' FROM generate_series(1, 30) i");
        await services.GetRequiredService<LegalHolds>().PlaceSubjectAsync("2", "litigation 2026-17");
        var runner = services.GetRequiredService<RetentionRunner>();
        await runner.RunAsync();
        await database.ExecuteAsync("INSERT INTO audit_log (user_id, action, created_at) SELECT 1 + (i % 3), 'logout', now() - interval '120 days' FROM generate_series(1, 12) i");
        await runner.RunAsync();

        // Migrations, for real: two deploys.
        var migrator = services.GetRequiredService<Migrator>();
        var files = new List<(string Name, string Text)>
        {
            ("0001_create_invoices.up.sql", "CREATE TABLE invoices (id int PRIMARY KEY, user_id int REFERENCES users);\n"),
            ("0001_create_invoices.down.sql", "DROP TABLE invoices;\n"),
            ("0002_invoice_total.up.sql", "ALTER TABLE invoices ADD COLUMN total numeric(10, 2);\n"),
            ("0002_invoice_total.down.sql", "ALTER TABLE invoices DROP COLUMN total;\n"),
        };
        await migrator.UpAsync(MigrationSet.Parse(files));
        files.Add(("0003_invoice_due.up.sql", "ALTER TABLE invoices ADD COLUMN due date;\n"));
        files.Add(("0003_invoice_due.down.sql", "ALTER TABLE invoices DROP COLUMN due;\n"));
        await migrator.UpAsync(MigrationSet.Parse(files));

        // Exports, for real, through the host's worker.
        var jobs = services.GetRequiredService<ExportJobs>();
        for (var user = 1; user <= Exports; user++)
        {
            await jobs.RequestExportAsync(user.ToString(CultureInfo.InvariantCulture), ["json"]);
        }

        await Eventually.WaitUntilAsync(async () => (await jobs.ListAsync()).All(j => j.Status == "ready"), TimeSpan.FromSeconds(90), "the seeded exports to be ready");
        Assert.Equal(LogicalBackups, count);
    }

    private static async Task WriteBackupAsync(IBackupStorage storage, EncryptionKeyRing keys, string kind, DateTimeOffset startedAt, TimeSpan duration, long size, BackupVerification? verification, WalPositions? wal)
    {
        var id = BackupIds.NewId(kind, startedAt);
        var dataKey = StorageLayout.BackupData(id, "dump", ".zst");
        await storage.WriteAsync(dataKey, new MemoryStream(new byte[256]));
        var manifest = new BackupManifest
        {
            Id = id,
            Kind = kind,
            Provider = kind == "logical" ? "pg_dump" : "pg_basebackup",
            Database = "app",
            Server = "127.0.0.1:5432",
            ServerVersion = "15.8",
            StartedAt = startedAt,
            CompletedAt = startedAt + duration,
            DataKey = dataKey,
            RawSize = size * 4,
            StoredSize = size,
            Sha256 = new string('0', 64),
            Compression = new BackupCompression("zstd", 3),
            Wal = wal,
            Verification = verification ?? new BackupVerification(startedAt + duration + TimeSpan.FromMinutes(2), true, "verified", 12, 40),
        };
        await storage.WriteAsync(StorageLayout.BackupManifest(id), new MemoryStream(ManifestCodec.Write(manifest, keys)));
    }

    private static void Touch(TestHost host, string key, DateTimeOffset at) =>
        File.SetLastWriteTimeUtc(Path.Combine(host.Root, key), at.UtcDateTime);
}
