using System.Security.Cryptography;
using System.Text;
using DataGuard.Backup;
using System.Text.Json;
using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using DataGuard.Health;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>A manifest that exists but cannot be read (corrupt, cut short, or from a newer DataGuard) never leads to deletion.</summary>
public sealed class UnreadableManifestTests
{
    [Theory]
    [InlineData("garbage", false, "not valid JSON")]
    [InlineData("truncated", false, "not valid JSON")]
    [InlineData("future-version", false, "newer DataGuard")]
    [InlineData("unknown-field", false, "does not know")]
    [InlineData("garbage", true, "not valid JSON")]
    [InlineData("future-version", true, "newer DataGuard")]
    public async Task An_unreadable_manifest_keeps_its_backup_through_prune_past_every_grace_period(string fault, bool s3, string reason)
    {
        await using var harness = await BackupHarness.CreateAsync(s3);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var damaged = await harness.Backups.RunAsync();
        var healthy = await harness.Backups.RunAsync();
        var manifestKey = BackupIds.ManifestKey(damaged.Id);
        var original = await ReadAsync(harness.Storage, manifestKey);
        var corrupted = Corrupt(original, fault);
        await WriteAsync(harness.Storage, manifestKey, corrupted);
        var dataBefore = await ReadAsync(harness.Storage, damaged.DataKey);

        // A year later, with retention that would delete everything but the newest verified backup, and no grace.
        await using var later = Later(harness, TimeSpan.FromDays(400));
        var backups = later.GetRequiredService<BackupService>();
        var dryRun = await backups.PruneAsync(dryRun: true);
        Assert.Equal(damaged.Id, Assert.Single(dryRun.Unreadable).Id);
        var pruned = await backups.PruneAsync(dryRun: false);
        Assert.Equal(damaged.Id, Assert.Single(pruned.Unreadable).Id);
        Assert.Empty(pruned.Orphans);
        Assert.DoesNotContain(pruned.Deleted, b => b.Id == damaged.Id);
        await backups.PruneAsync(dryRun: false);

        // Everything is still there, byte for byte, with a marker that records why it is quarantined.
        Assert.Equal(dataBefore, await ReadAsync(harness.Storage, damaged.DataKey));
        Assert.Equal(corrupted, await ReadAsync(harness.Storage, manifestKey));
        Assert.Contains(reason, System.Text.Encoding.UTF8.GetString(await ReadAsync(harness.Storage, BackupIds.QuarantineKey(damaged.Id))));
        var catalog = await backups.GetCatalogAsync();
        Assert.Equal(healthy.Id, Assert.Single(catalog.Backups).Id);
        Assert.Empty(catalog.Orphans);
        var unreadable = Assert.Single(catalog.Unreadable);
        Assert.Equal(damaged.Id, unreadable.Id);
        Assert.Contains(reason, unreadable.Reason);
        Assert.Contains(damaged.DataKey, unreadable.Keys);

        // Nothing uses it: not show, not restore (the target is never created).
        var ex = await Assert.ThrowsAsync<UnreadableManifestException>(() => harness.Backups.GetAsync(damaged.Id));
        Assert.Contains(damaged.Id, ex.Message);
        Assert.Contains(reason, ex.Message);
        var target = harness.NewDatabaseName();
        await Assert.ThrowsAsync<UnreadableManifestException>(() => harness.Backups.RestoreAsync(damaged.Id, new RestoreRequest { TargetDatabase = target, Create = true }));
        Assert.Equal(0, await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        // The health check (and so `dataguard status`) is degraded, naming it.
        var health = await harness.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == BackupHealthCheck.Name);
        var entry = health.Entries[BackupHealthCheck.Name];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains(damaged.Id, entry.Description);
    }

    [Fact]
    public async Task A_quarantined_folder_whose_manifest_then_disappears_is_still_kept()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 5);
        var damaged = await harness.Backups.RunAsync();
        await WriteAsync(harness.Storage, BackupIds.ManifestKey(damaged.Id), Corrupt([], "garbage"));
        await using var later = Later(harness, TimeSpan.FromDays(400));
        var backups = later.GetRequiredService<BackupService>();
        await backups.PruneAsync(dryRun: false);

        await harness.Storage.DeleteAsync(BackupIds.ManifestKey(damaged.Id));
        var pruned = await backups.PruneAsync(dryRun: false);

        Assert.Empty(pruned.Orphans);
        Assert.Contains("quarantined", Assert.Single(pruned.Unreadable).Reason);
        Assert.NotNull(await harness.Storage.GetInfoAsync(damaged.DataKey));
    }

    [Fact]
    public async Task List_prune_status_and_doctor_report_a_quarantined_backup_and_forget_deletes_it_only_on_confirmation()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await SampleData.SeedAsync(database.ConnectionString, users: 10);
        using var cli = new CliRunner();
        var root = Path.Combine(cli.Folder, "store");
        var config = cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { FileSystem = new { Root = root } },
            Backup = new { Retention = new { OrphanGracePeriod = "00:00:00" } },
        });
        Assert.Equal(0, (await cli.RunAsync("backup", "run", "--config", config)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("backup", "run", "--config", config)).ExitCode);
        var ids = Directory.GetDirectories(Path.Combine(root, "backups")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var (damaged, healthy) = (ids[0]!, ids[1]!);
        var folder = Path.Combine(root, "backups", damaged);
        var manifestPath = Path.Combine(folder, "manifest.json");
        await File.WriteAllBytesAsync(manifestPath, (await File.ReadAllBytesAsync(manifestPath))[..200]);
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();

        var list = await cli.RunAsync("backup", "list", "--config", config);
        Assert.Matches($"UNREADABLE: {damaged} .*not valid JSON", list.Output);
        Assert.DoesNotContain($"orphan: {damaged}", list.Output);
        var listJson = JsonDocument.Parse((await cli.RunAsync("backup", "list", "--json", "--config", config)).Output).RootElement;
        Assert.Equal(damaged, listJson.GetProperty("unreadable")[0].GetProperty("id").GetString());

        // A listed backup's status reads as in its manifest ("verified"), not as the enum's number.
        var shown = JsonDocument.Parse((await cli.RunAsync("backup", "show", healthy, "--json", "--config", config)).Output).RootElement;
        var listed = listJson.GetProperty("backups").EnumerateArray().Single(b => b.GetProperty("id").GetString() == healthy);
        Assert.Equal("verified", shown.GetProperty("status").GetString());
        Assert.Equal(shown.GetProperty("status").GetString(), listed.GetProperty("status").GetString());

        var prune = await cli.RunAsync("backup", "prune", "--config", config);
        Assert.True(prune.ExitCode == 0, prune.All);
        Assert.Matches($"keep +{damaged} +\\(QUARANTINED: ", prune.Output);
        Assert.True(files.All(File.Exists));

        var status = await cli.RunAsync("status", "--json", "--config", config);
        var backupItem = JsonDocument.Parse(status.Output).RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("part").GetString() == "backup");
        Assert.Equal("Warning", backupItem.GetProperty("state").GetString());
        Assert.Contains(damaged, backupItem.GetProperty("summary").GetString());

        var doctor = await cli.RunAsync("doctor", "--config", config);
        Assert.Equal(1, doctor.ExitCode);
        Assert.Matches($"FAIL +backups +{damaged}: its manifest cannot be used", doctor.Output);
        Assert.Contains($"dataguard backup forget {damaged} --confirm", doctor.Output);

        // Forget without --confirm shows what it would delete and deletes nothing; a readable backup is refused.
        var ask = await cli.RunAsync("backup", "forget", damaged, "--config", config);
        Assert.Equal(2, ask.ExitCode);
        Assert.Contains("would delete", ask.Output);
        Assert.Contains("Nothing deleted", ask.Error);
        Assert.True(files.All(File.Exists));
        var refused = await cli.RunAsync("backup", "forget", healthy, "--confirm", "--config", config);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("readable, trusted manifest", refused.Error);
        Assert.True(Directory.Exists(Path.Combine(root, "backups", healthy)));

        var forget = await cli.RunAsync("backup", "forget", damaged, "--confirm", "--config", config);
        Assert.True(forget.ExitCode == 0, forget.All);
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any());
        Assert.DoesNotContain(damaged, (await cli.RunAsync("backup", "list", "--config", config)).Output);
        Assert.Equal(0, (await cli.RunAsync("doctor", "--config", config)).ExitCode);
    }

    internal static byte[] Corrupt(byte[] manifest, string fault) => fault switch
    {
        "garbage" => RandomNumberGenerator.GetBytes(300),
        "truncated" => manifest[..(manifest.Length / 2)],
        "future-version" => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(manifest)
            .Replace("\"formatVersion\": 1,", "\"formatVersion\": 99,", StringComparison.Ordinal)
            .Replace("\"formatVersion\": 2,", "\"formatVersion\": 99,", StringComparison.Ordinal)
            .Replace("\"kind\":", "\"retainUntil\": \"2099-01-01T00:00:00Z\",\n  \"kind\":", StringComparison.Ordinal)),
        "unknown-field" => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(manifest)
            .Replace("\"kind\":", "\"legalHold\": {\"until\": \"2099-01-01T00:00:00Z\"},\n  \"kind\":", StringComparison.Ordinal)),
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    internal static async Task<byte[]> ReadAsync(IBackupStorage storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    internal static async Task WriteAsync(IBackupStorage storage, string key, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        await storage.WriteAsync(key, stream, new StorageWriteOptions());
    }

    /// <summary>The same host some time later, with retention that keeps only the newest verified backup and no orphan grace.</summary>
    internal static ServiceProvider Later(BackupHarness harness, TimeSpan after, Action<AllOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow + after));
        var builder = services.AddDataGuard(o =>
        {
            o.Backup.Retention.Days = 1;
            o.Backup.Retention.KeepDaily = 0;
            o.Backup.Retention.KeepWeekly = 0;
            o.Backup.Retention.KeepMonthly = 0;
            o.Backup.Retention.MinimumCount = 1;
            o.Backup.Retention.OrphanGracePeriod = TimeSpan.FromHours(6);
            configure?.Invoke(o);
        }).AddPostgres(o => o.ConnectionString = harness.Database.ConnectionString);
        if (harness.Bucket is { } bucket)
        {
            builder.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "backups-test"));
        }
        else
        {
            builder.AddFileSystemStorage(harness.DiskRoot);
        }

        return services.BuildServiceProvider();
    }
}
