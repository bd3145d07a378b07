using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;

namespace DataGuard.Tests.Backup;

/// <summary>The object list of a parallel backup's manifest: authenticated, and its names safe to use as file names.</summary>
public class ParallelManifestTests
{
    private const string Id = "20261126T030000Z-logical-3fa9c1";
    private static readonly EncryptionKeyRing Encrypted = new("k1", new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) });

    [Fact]
    public void A_manifest_with_objects_round_trips_and_its_object_list_is_covered_by_the_MAC()
    {
        var bytes = ManifestCodec.Write(Manifest(), Encrypted);
        var read = ManifestCodec.Read(bytes, Id, Encrypted).Manifest!;
        Assert.Equal(Manifest().Objects, read.Objects);

        var node = JsonNode.Parse(bytes)!.AsObject();
        node["objects"]![1]!["sha256"] = new string('0', 64);
        var (manifest, problem) = ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), Id, Encrypted);
        Assert.Null(manifest);
        Assert.Contains("MAC", problem);
    }

    [Theory]
    [InlineData("../../etc/passwd", null, "not a plain file name")]
    [InlineData("sub/4211.dat", null, "not a plain file name")]
    [InlineData("..", null, "not a plain file name")]
    [InlineData("4211.dat", "backups/other/dir/4211.dat.zst", "outside its folder")]
    [InlineData("toc.dat", null, "twice")]
    [InlineData("4211.dat", "backups/{id}/../other/dir/4211.dat.zst", "unsafe segment")]
    [InlineData("4211.dat", "backups/{id}/dir/../../other/4211.dat.zst", "unsafe segment")]
    [InlineData("4211.dat", "backups/{id}/dir/./4211.dat.zst", "unsafe segment")]
    [InlineData("4211.dat", "backups/{id}/dir//4211.dat.zst", "unsafe segment")]
    [InlineData("4211.dat", "backups/{id}/dir/..", "unsafe segment")]
    [InlineData("4211.dat", "backups/{id}/dir/4211.dat.zst/", "unsafe segment")]
    public void An_object_list_that_cannot_be_trusted_makes_the_manifest_unreadable(string name, string? key, string reason)
    {
        var good = Manifest();
        var bad = good with { Objects = [good.Objects![0], new BackupObject { Name = name, Key = key?.Replace("{id}", Id, StringComparison.Ordinal) ?? $"backups/{Id}/dir/x.zst", RawSize = 1, StoredSize = 1, Sha256 = new string('b', 64) }] };
        var (manifest, problem) = ManifestCodec.Read(ManifestCodec.Write(bad, Encrypted), Id, Encrypted);
        Assert.Null(manifest);
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Objects_without_the_table_of_contents_under_the_data_key_are_refused()
    {
        var good = Manifest();
        var (manifest, problem) = ManifestCodec.Read(ManifestCodec.Write(good with { Objects = [good.Objects![1]] }, Encrypted), Id, Encrypted);
        Assert.Null(manifest);
        Assert.Contains("toc.dat", problem);
    }

    [Theory]
    [InlineData(0, null, "Parallelism")]
    [InlineData(65, null, "Parallelism")]
    [InlineData(2, "relative/dir", "StagingDirectory")]
    public void Parallel_options_are_checked_at_start_up(int parallelism, string? staging, string option)
    {
        var result = new BackupOptionsValidator().Validate(null, new BackupOptions { Parallelism = parallelism, StagingDirectory = staging });
        Assert.True(result.Failed);
        Assert.Contains($"DataGuard:Backup:{option}", result.FailureMessage);
        Assert.True(new BackupOptionsValidator().Validate(null, new BackupOptions { Parallelism = 4, StagingDirectory = "/var/tmp" }).Succeeded);
    }

    private static BackupManifest Manifest() => new()
    {
        Id = Id,
        Kind = "logical",
        Provider = "pg_dump",
        Database = "app",
        Server = "db:5432",
        ServerVersion = "15.18",
        StartedAt = DateTimeOffset.Parse("2026-11-26T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        CompletedAt = DateTimeOffset.Parse("2026-11-26T03:01:12Z", System.Globalization.CultureInfo.InvariantCulture),
        DataKey = $"backups/{Id}/dir/toc.dat.zst.enc",
        RawSize = 1000,
        StoredSize = 300,
        Sha256 = new string('a', 64),
        Compression = new BackupCompression("zstd", 3),
        Encryption = new BackupEncryption(ArchiveCodec.EncryptionAlgorithm, "k1"),
        TableRowCounts = new Dictionary<string, long> { ["public.users"] = 10 },
        Objects =
        [
            new BackupObject { Name = "toc.dat", Key = $"backups/{Id}/dir/toc.dat.zst.enc", RawSize = 100, StoredSize = 80, Sha256 = new string('a', 64) },
            new BackupObject { Name = "4211.dat", Key = $"backups/{Id}/dir/4211.dat.zst.enc", RawSize = 900, StoredSize = 220, Sha256 = new string('c', 64) },
        ],
    };
}
