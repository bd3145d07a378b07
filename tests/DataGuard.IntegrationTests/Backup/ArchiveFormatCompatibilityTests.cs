using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DataGuard.Backup;
using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// Archives and manifests of format 1 (written by the code before format 2, tests/.../Fixtures/format-v1) still
/// restore; unencrypted ones only where allowed; and format 2 reads with standard tools (scripts/dataguard-crypto.mjs).
/// </summary>
public sealed class ArchiveFormatCompatibilityTests
{
    private const string FixtureKeyId = "fixture-k1";
    private const string WalName = "000000010000000000000001";

    private static string Fixtures => Path.Combine(RepositoryPaths.Root, "tests", "DataGuard.IntegrationTests", "Fixtures", "format-v1");

    private static string FixtureKey => File.ReadAllLines(Path.Combine(Fixtures, "README.md"))
        .Select(l => System.Text.RegularExpressions.Regex.Match(l, "key `([A-Za-z0-9+/=]{44})`")).First(m => m.Success).Groups[1].Value;

    [Fact]
    public async Task Old_format_encrypted_archives_manifests_and_WAL_still_verify_restore_and_fetch_also_after_a_key_rotation()
    {
        await using var harness = await BackupHarness.CreateAsync();
        CopyFixture("encrypted", harness.DiskRoot!);
        var rotated = harness.CreateReplica(o =>
        {
            o.Backup.Encryption.KeyId = "k2";
            o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            o.Backup.Encryption.Keys[FixtureKeyId] = FixtureKey;
        });
        var backups = rotated.GetRequiredService<BackupService>();

        var old = Assert.Single((await backups.GetCatalogAsync()).Backups);
        Assert.Equal(1, old.FormatVersion);
        Assert.Equal(FixtureKeyId, old.Encryption!.KeyId);
        var verified = await backups.VerifyAsync(old.Id);
        Assert.Equal(BackupStatus.Verified, verified.Status);
        Assert.Equal(1, (await backups.GetAsync(old.Id)).FormatVersion);
        var restored = await backups.RestoreAsync(old.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch, string.Join(", ", restored.Tables.Where(t => !t.Matches)));
        Assert.Equal(10, restored.Tables.Single(t => t.Table == "public.users").Actual);

        await AssertFetchesFixtureSegmentAsync(rotated.GetRequiredService<WalArchive>());

        // A format-1 manifest has no MAC: a wrong key shows at the archive, as before.
        var wrong = harness.CreateReplica(o =>
        {
            o.Backup.Encryption.KeyId = FixtureKeyId;
            o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        });
        var failed = await wrong.GetRequiredService<BackupService>().VerifyAsync(old.Id);
        Assert.Equal(BackupStatus.VerificationFailed, failed.Status);
        Assert.Contains("is not the key this archive was encrypted with", failed.Verification!.Detail);
        await backups.VerifyAsync(old.Id);

        // A new backup next to it is format 2 under the new key; both stay in the catalog.
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 3);
        var fresh = await backups.RunAsync();
        Assert.Equal(2, fresh.FormatVersion);
        Assert.Equal(2, (await backups.GetCatalogAsync()).Backups.Count);
    }

    [Fact]
    public async Task Old_unencrypted_backups_and_WAL_are_refused_once_encryption_is_on_unless_unencrypted_reads_are_allowed()
    {
        await using var harness = await BackupHarness.CreateAsync();
        CopyFixture("plain", harness.DiskRoot!);
        var id = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups).Id;
        var restored = await harness.Backups.RestoreAsync(id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch);
        await AssertFetchesFixtureSegmentAsync(harness.Services.GetRequiredService<WalArchive>());

        void Encrypt(AllOptions o)
        {
            o.Backup.Encryption.KeyId = "k2";
            o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        var strict = harness.CreateReplica(Encrypt);
        var catalog = await strict.GetRequiredService<BackupService>().GetCatalogAsync();
        Assert.Empty(catalog.Backups);
        Assert.Contains("refusing unencrypted object", Assert.Single(catalog.Unreadable).Reason);
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => strict.GetRequiredService<WalArchive>().FetchAsync(WalName, Path.Combine(harness.DiskRoot!, "fetched")));
        Assert.Equal(ArchiveProblem.Unencrypted, ex.Problem);
        Assert.Contains("AllowUnencryptedRead", ex.Message);

        var migrating = harness.CreateReplica(o =>
        {
            Encrypt(o);
            o.Backup.Encryption.AllowUnencryptedRead = true;
        });
        restored = await migrating.GetRequiredService<BackupService>().RestoreAsync(id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch);
        await AssertFetchesFixtureSegmentAsync(migrating.GetRequiredService<WalArchive>());
    }

    [Fact]
    public async Task Format_2_archives_decrypt_and_manifests_verify_with_the_documented_node_script()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var harness = await BackupHarness.CreateAsync(configure: o =>
        {
            o.Backup.Encryption.KeyId = "k1";
            o.Backup.Encryption.Key = Convert.ToBase64String(key);
        });
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var manifest = await harness.Backups.RunAsync();
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "dataguard-crypto.mjs");
        var environment = new Dictionary<string, string> { ["DATAGUARD_KEY"] = Convert.ToBase64String(key) };
        var manifestPath = Path.Combine(harness.DiskRoot!, BackupIds.ManifestKey(manifest.Id));

        var verified = await ProcessRunner.RunAsync("node", [script, "verify-manifest", manifestPath], environment);
        Assert.True(verified.ExitCode == 0, verified.Error);
        Assert.Contains("MAC valid", verified.Output);
        var edited = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        edited["rawSize"] = 1;
        var editedPath = Path.Combine(harness.DiskRoot!, "edited.json");
        await File.WriteAllTextAsync(editedPath, edited.ToJsonString());
        Assert.NotEqual(0, (await ProcessRunner.RunAsync("node", [script, "verify-manifest", editedPath], environment)).ExitCode);

        // decrypt | zstd -d | pg_restore --list: the archive opens without DataGuard.
        var encrypted = Path.Combine(harness.DiskRoot!, manifest.DataKey);
        var zst = Path.Combine(harness.DiskRoot!, "data.pgdump.zst");
        var decrypted = await ProcessRunner.RunAsync("bash", ["-c", $"node '{script}' decrypt --context 'backup:{manifest.Id}' < '{encrypted}' > '{zst}' && zstd -dc '{zst}' | /usr/lib/postgresql/15/bin/pg_restore --list"], environment);
        Assert.True(decrypted.ExitCode == 0, decrypted.Error);
        Assert.Contains("TABLE DATA public users", decrypted.Output);
        var misplaced = await ProcessRunner.RunAsync("bash", ["-c", $"node '{script}' decrypt --context 'backup:someone-else' < '{encrypted}' > /dev/null"], environment);
        Assert.NotEqual(0, misplaced.ExitCode);
        Assert.Contains("bound to", misplaced.Error);
    }

    private static async Task AssertFetchesFixtureSegmentAsync(WalArchive archive)
    {
        var target = Path.Combine(Path.GetTempPath(), $"dataguard-fixture-wal-{Guid.NewGuid():N}");
        try
        {
            await archive.FetchAsync(WalName, target);
            var bytes = await File.ReadAllBytesAsync(target);
            Assert.Equal(Enumerable.Range(0, 65536).Select(i => (byte)((i * 31) % 251)).ToArray(), bytes);
        }
        finally
        {
            File.Delete(target);
        }
    }

    private static void CopyFixture(string name, string root)
    {
        var from = Path.Combine(Fixtures, name);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
