using System.Reflection;
using DataGuard.Backup;
using DataGuard.Pitr;
using DataGuard.Storage;

namespace DataGuard.Tests.Storage;

/// <summary>The storage layout is a contract with existing deployments: these shapes are what is already in buckets.</summary>
public class StorageLayoutTests
{
    private const string BackupId = "20261126T030000Z-logical-3fa9c1";
    private static readonly Guid Job = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void Backup_keys_keep_their_shape()
    {
        Assert.Equal($"backups/{BackupId}/", StorageLayout.BackupFolder(BackupId));
        Assert.Equal($"backups/{BackupId}/manifest.json", StorageLayout.BackupManifest(BackupId));
        Assert.Equal($"backups/{BackupId}/quarantine.json", StorageLayout.BackupQuarantine(BackupId));
        Assert.Equal($"backups/{BackupId}/data.pgdump.zst.enc", StorageLayout.BackupData(BackupId, "pgdump", ".zst.enc"));
    }

    [Theory]
    [InlineData("backups/" + BackupId + "/manifest.json", BackupId)]
    [InlineData("backups/" + BackupId + "/", BackupId)]
    [InlineData("backups/" + BackupId, null)]
    [InlineData("backups/", null)]
    [InlineData("wal/00000001/x", null)]
    [InlineData("old-backups/x/manifest.json", null)]
    public void The_backup_a_key_lies_in(string key, string? id) => Assert.Equal(id, StorageLayout.BackupIdOf(key));

    [Fact]
    public void Wal_drill_restore_point_and_archive_keys_keep_their_shape()
    {
        Assert.Equal("wal/00000002/000000020000000000000003.zst", StorageLayout.WalFile("00000002", "000000020000000000000003", ".zst"));
        Assert.Equal("drills/20261126T050000Z-drill-ab12cd.json", StorageLayout.DrillReport("20261126T050000Z-drill-ab12cd"));
        Assert.Equal("pitr/restore-points/before-migrate-1.json", StorageLayout.RestorePoint("before-migrate-1"));

        // The run's UTC date, whatever the offset of the time given.
        var lateEvening = new DateTimeOffset(2026, 11, 26, 23, 30, 0, TimeSpan.FromHours(-5));
        Assert.Equal("archive/audit-log/2026-11-27/", StorageLayout.ArchiveFolder("audit-log", lateEvening));
    }

    [Fact]
    public void Export_keys_keep_their_shape_and_lead_back_to_their_job()
    {
        Assert.Equal("exports/0f8fad5b-d9cb-469f-a165-70867728950e/", StorageLayout.ExportJob(Job));
        Assert.Equal("exports/0f8fad5b-d9cb-469f-a165-70867728950e/2/", StorageLayout.ExportAttempt(Job, 2));
        Assert.Equal("exports/0f8fad5b-d9cb-469f-a165-70867728950e/2/export.ndjson", StorageLayout.ExportArtifact(Job, 2, ".ndjson"));
        Assert.Equal(Job, StorageLayout.ExportJobIdOf(StorageLayout.ExportArtifact(Job, 2, ".csv.zip")));
        Assert.Null(StorageLayout.ExportJobIdOf("exports/not-a-guid/1/export.csv"));
        Assert.Null(StorageLayout.ExportJobIdOf($"drills/{Job}/1"));
        Assert.Null(StorageLayout.ExportJobIdOf($"exports/{Job}"));
    }

    [Fact]
    public void Every_key_and_prefix_is_a_valid_storage_key()
    {
        foreach (var key in new[]
        {
            StorageLayout.BackupManifest(BackupId), StorageLayout.BackupQuarantine(BackupId), StorageLayout.BackupData(BackupId, "tar", ".zst"),
            StorageLayout.WalFile("00000001", "000000010000000000000001", ".zst.enc"), StorageLayout.ExportArtifact(Job, 1, ".pdf"),
            StorageLayout.DrillReport("x"), StorageLayout.RestorePoint("x"),
        })
        {
            Assert.Equal(key, StorageKeys.Validate(key));
        }

        foreach (var prefix in typeof(StorageLayout).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name != nameof(StorageLayout.BackupManifestName) && f.Name != nameof(StorageLayout.BackupQuarantineName)).Select(f => (string)f.GetRawConstantValue()!))
        {
            Assert.EndsWith("/", prefix);
            Assert.Equal(prefix, StorageKeys.ValidatePrefix(prefix));
        }
    }

    [Fact]
    public void The_public_names_of_the_layout_are_the_layouts_own()
    {
        Assert.Equal(StorageLayout.Backups, BackupIds.Prefix);
        Assert.Equal(StorageLayout.BackupManifest(BackupId), BackupIds.ManifestKey(BackupId));
        Assert.Equal(StorageLayout.BackupQuarantine(BackupId), BackupIds.QuarantineKey(BackupId));
        Assert.Equal(StorageLayout.BackupData(BackupId, "pgdump", ".zst"), BackupIds.DataKey(BackupId, "pgdump", ".zst"));
        Assert.Equal(StorageLayout.Wal, WalFileName.Prefix);
        Assert.Equal(StorageLayout.Probe, StorageProbe.KeyPrefix);
    }
}
