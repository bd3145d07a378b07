using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Backup;

public sealed class BackupRoundTripTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Backup_verify_restore_round_trips_every_row(bool s3, bool encrypted)
    {
        await using var harness = await BackupHarness.CreateAsync(s3, o =>
        {
            if (encrypted)
            {
                o.Backup.Encryption.KeyId = "k1";
                o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            }
        });
        await SampleData.SeedAsync(harness.Database.ConnectionString);
        var source = await SampleData.FingerprintAsync(harness.Database.ConnectionString);

        var manifest = await harness.Backups.RunAsync();

        Assert.Equal(BackupStatus.Verified, manifest.Status);
        Assert.Equal("logical", manifest.Kind);
        Assert.Equal(harness.Database.Name, manifest.Database);
        Assert.Equal(500, manifest.TableRowCounts["public.users"]);
        Assert.Equal(1500, manifest.TableRowCounts["public.orders"]);
        Assert.Equal(2, manifest.TableRowCounts["public.Odd Name"]);
        Assert.Equal(encrypted ? "k1" : null, manifest.Encryption?.KeyId);
        Assert.EndsWith(encrypted ? ".pgdump.zst.enc" : ".pgdump.zst", manifest.DataKey);
        Assert.Equal(manifest.StoredSize, (await harness.Storage.GetInfoAsync(manifest.DataKey))!.Size);

        var catalog = await harness.Backups.GetCatalogAsync();
        Assert.Equal(manifest.Id, Assert.Single(catalog.Backups).Id);
        Assert.Empty(catalog.Orphans);

        var target = harness.NewDatabaseName();
        var result = await harness.Backups.RestoreAsync(BackupService.Latest, new RestoreRequest { TargetDatabase = target, Create = true });

        Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches)));
        Assert.Equal(manifest.TableRowCounts.Count, result.Tables.Count);
        Assert.Equal(source, await SampleData.FingerprintAsync(harness.ConnectionString(target)));
    }

    [Fact]
    public async Task Manifest_is_written_last_and_holds_no_secret()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o =>
        {
            o.Backup.Encryption.KeyId = "k1";
            o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        });
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var manifest = await harness.Backups.RunAsync();

        var files = Directory.GetFiles(Path.Combine(harness.DiskRoot!, "backups", manifest.Id)).Select(File.GetLastWriteTimeUtc).ToList();
        var manifestPath = Path.Combine(harness.DiskRoot!, "backups", manifest.Id, "manifest.json");
        var json = await File.ReadAllTextAsync(manifestPath);
        Assert.True(File.GetLastWriteTimeUtc(manifestPath) >= files.Max(), "manifest.json must be the last object written");
        var password = new Npgsql.NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!;
        Assert.DoesNotContain(password, json);
        Assert.DoesNotContain("Password", json, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"keyId\": \"k1\"", json);
    }

    [Fact]
    public async Task The_stored_archive_is_a_plain_zstd_file_that_pg_restore_accepts()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        var manifest = await harness.Backups.RunAsync();
        var server = await TestPostgres.GetServerAsync();
        var pgRestore = server.BinDirectory is { Length: > 0 } bin ? Path.Combine(bin, "pg_restore") : "pg_restore";
        var archive = Path.Combine(harness.DiskRoot!, manifest.DataKey);

        var (code, output, error) = await ProcessRunner.RunAsync("bash", ["-c", $"zstd -dc '{archive}' | '{pgRestore}' --list"]);

        Assert.True(code == 0, error);
        Assert.Contains("TABLE DATA public users", output);
        Assert.Contains("TABLE DATA billing invoices", output);
    }

    [Fact]
    public async Task Include_and_exclude_options_shape_the_dump_and_its_row_counts()
    {
        await using var harness = await BackupHarness.CreateAsync(postgres: o =>
        {
            o.Dump.ExcludeSchemas.Add("billing");
            o.Dump.ExcludeTableData.Add("public.orders");
        });
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 30);

        var manifest = await harness.Backups.RunAsync();

        Assert.DoesNotContain("billing.invoices", manifest.TableRowCounts.Keys);
        Assert.DoesNotContain("public.orders", manifest.TableRowCounts.Keys);
        Assert.Contains("public.users", manifest.TableRowCounts.Keys);
        var target = harness.NewDatabaseName();
        var result = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true });
        Assert.True(result.RowCountsMatch);
        Assert.Equal(0, await SampleData.ScalarAsync(harness.ConnectionString(target), "SELECT count(*) FROM orders"));
        Assert.Equal(0, await SampleData.ScalarAsync(harness.ConnectionString(target), "SELECT count(*) FROM pg_namespace WHERE nspname = 'billing'"));
    }
}
