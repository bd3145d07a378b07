using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataGuard.Backup;
using DataGuard.Configuration;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>With a key configured, nothing unencrypted or unauthenticated is trusted, and archives cannot be swapped.</summary>
public sealed class EncryptionDowngradeTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public async Task A_manifest_rewritten_to_plaintext_with_a_new_checksum_is_refused_before_pg_restore(int formatVersion, bool s3)
    {
        await using var victim = await BackupHarness.CreateAsync(s3, configure: Encrypt);
        await SampleData.SeedAsync(victim.Database.ConnectionString, users: 20);
        var genuine = await victim.Backups.RunAsync();

        // The attacker has write access to storage but no key: a plaintext archive of their own, and the victim's manifest
        // rewritten to point at it, with encryption removed and the new object's size and SHA-256.
        await using var attacker = await BackupHarness.CreateAsync();
        await attacker.Database.ExecuteAsync("CREATE TABLE pwned (note text); INSERT INTO pwned VALUES ('attacker SQL ran');");
        var planted = await attacker.Backups.RunAsync();
        var plantedKey = BackupIds.DataKey(genuine.Id, "pgdump", ".zst");
        await UnreadableManifestTests.WriteAsync(victim.Storage, plantedKey, await File.ReadAllBytesAsync(Path.Combine(attacker.DiskRoot!, planted.DataKey)));
        var manifest = JsonNode.Parse(await UnreadableManifestTests.ReadAsync(victim.Storage, BackupIds.ManifestKey(genuine.Id)))!.AsObject();
        manifest.Remove("mac");
        manifest.Remove("encryption");
        manifest["formatVersion"] = formatVersion;
        manifest["dataKey"] = plantedKey;
        manifest["sha256"] = planted.Sha256;
        manifest["storedSize"] = planted.StoredSize;
        manifest["rawSize"] = planted.RawSize;
        manifest["tableRowCounts"] = new JsonObject { ["public.pwned"] = 1 };
        await UnreadableManifestTests.WriteAsync(victim.Storage, BackupIds.ManifestKey(genuine.Id), Encoding.UTF8.GetBytes(manifest.ToJsonString()));

        var target = victim.NewDatabaseName();
        var ex = await Assert.ThrowsAsync<UnreadableManifestException>(() =>
            victim.Backups.RestoreAsync(genuine.Id, new RestoreRequest { TargetDatabase = target, Create = true }));
        Assert.Contains(genuine.Id, ex.Message);
        Assert.Contains(formatVersion == 1 ? "refusing unencrypted object" : "carries no MAC", ex.Message);
        Assert.Equal(0, await SampleData.ScalarAsync(victim.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        var drill = await victim.Services.GetRequiredService<DrillService>().RunAsync(genuine.Id);
        Assert.False(drill.Passed);
        Assert.DoesNotContain(drill.Checks, c => c.Name == "row counts");
        Assert.Contains("manifest cannot be used", drill.Error);

        // Quarantined, not deleted: the planted object and the genuine encrypted archive are both kept for inspection.
        var catalog = await victim.Backups.GetCatalogAsync();
        Assert.Equal(genuine.Id, Assert.Single(catalog.Unreadable).Id);
        Assert.NotNull(await victim.Storage.GetInfoAsync(genuine.DataKey));
    }

    [Fact]
    public async Task The_encrypted_data_of_one_backup_copied_over_another_is_detected()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: Encrypt);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var a = await harness.Backups.RunAsync();
        await harness.Database.ExecuteAsync("DELETE FROM billing.invoices");
        var b = await harness.Backups.RunAsync();
        File.Copy(Path.Combine(harness.DiskRoot!, a.DataKey), Path.Combine(harness.DiskRoot!, b.DataKey), overwrite: true);

        var target = harness.NewDatabaseName();
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() =>
            harness.Backups.RestoreAsync(b.Id, new RestoreRequest { TargetDatabase = target, Create = true, SkipChecksumVerification = true }));
        Assert.Equal(ArchiveProblem.Misplaced, ex.Problem);
        Assert.Contains(a.Id, ex.Message);
        Assert.Contains(b.Id, ex.Message);
        if (await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'") == 1)
        {
            Assert.Equal(0, await SampleData.ScalarAsync(harness.ConnectionString(target), "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'billing')"));
        }

        // With the checksum check (the default), the manifest's authenticated SHA-256 already refuses it.
        var checkedFirst = await Assert.ThrowsAsync<ArchiveIntegrityException>(() =>
            harness.Backups.RestoreAsync(b.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true }));
        Assert.True(checkedFirst.Problem is ArchiveProblem.ChecksumMismatch or ArchiveProblem.SizeMismatch, checkedFirst.Problem.ToString());
    }

    [Fact]
    public async Task A_manifest_edited_without_the_key_is_refused()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: Encrypt);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var genuine = await harness.Backups.RunAsync();
        var manifest = JsonNode.Parse(await UnreadableManifestTests.ReadAsync(harness.Storage, BackupIds.ManifestKey(genuine.Id)))!.AsObject();
        manifest["tableRowCounts"]!["public.users"] = 999;
        await UnreadableManifestTests.WriteAsync(harness.Storage, BackupIds.ManifestKey(genuine.Id), Encoding.UTF8.GetBytes(manifest.ToJsonString()));

        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => harness.Backups.GetAsync(genuine.Id));
        Assert.Contains(genuine.Id, ex.Message);
        Assert.Contains("MAC", ex.Message);
    }

    private static void Encrypt(AllOptions o)
    {
        o.Backup.Encryption.KeyId = "k1";
        o.Backup.Encryption.Key = Convert.ToBase64String(Key);
    }
}
