using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;

namespace DataGuard.Tests.Backup;

/// <summary>
/// Manifests are written and read through compile-time JSON metadata only (ManifestJsonContext, no reflection, for
/// trimmed and native AOT builds). The bytes must be exactly those the reflection serializer wrote before
/// (<see cref="LegacyJson.Manifest"/>: manifests are MAC'd and read by other versions), on manifests this test
/// generates: every optional member present or absent, text that needs escaping, offsets, extreme numbers, every status.
/// </summary>
public class ManifestJsonContextTests
{
    private const int Cases = 300;

    [Fact]
    public void Generated_manifests_serialize_to_the_same_bytes_as_with_reflection_and_read_back_alike()
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var manifest = Generate(new Random(seed));
            var generated = ManifestSerializer.Serialize(manifest);
            var reflected = JsonSerializer.SerializeToUtf8Bytes(manifest, LegacyJson.Manifest);
            Assert.True(generated.AsSpan().SequenceEqual(reflected), $"seed {seed}: {Encoding.UTF8.GetString(generated)}\n!=\n{Encoding.UTF8.GetString(reflected)}");

            var read = ManifestSerializer.Deserialize(generated);
            var readByReflection = JsonSerializer.Deserialize<BackupManifest>(reflected, LegacyJson.Manifest)!;
            Assert.Equal(reflected, JsonSerializer.SerializeToUtf8Bytes(read, LegacyJson.Manifest));
            Assert.Equal(reflected, ManifestSerializer.Serialize(readByReflection));
        }
    }

    [Fact]
    public void Stored_manifests_are_the_bytes_the_reflection_serializer_stored_with_and_without_a_MAC()
    {
        // ManifestCodec.Write re-serializes the manifest as a JsonObject (with its MAC): that path has its own metadata.
        var key = RandomNumberGenerator.GetBytes(32);
        var keys = new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = key });
        for (var seed = 0; seed < Cases; seed++)
        {
            var manifest = Generate(new Random(seed));
            var withKey = seed % 2 == 0;
            var node = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(manifest, LegacyJson.Manifest))!.AsObject();
            if (withKey && manifest.FormatVersion >= 2)
            {
                ManifestMac.Sign(node, "k1", key);
            }

            var before = JsonSerializer.SerializeToUtf8Bytes(node, LegacyJson.Manifest);
            var now = ManifestCodec.Write(manifest, withKey ? keys : EncryptionKeyRing.None);
            Assert.True(now.AsSpan().SequenceEqual(before), $"seed {seed}: {Encoding.UTF8.GetString(now)}\n!=\n{Encoding.UTF8.GetString(before)}");
        }
    }

    [Fact]
    public void The_options_resolve_only_the_listed_types_and_never_by_reflection()
    {
        Assert.Same(ManifestJsonContext.Default, ManifestSerializer.Options.TypeInfoResolver);
        Assert.NotNull(ManifestSerializer.Options.GetTypeInfo(typeof(BackupManifest)));
        Assert.Throws<NotSupportedException>(() => ManifestSerializer.Options.GetTypeInfo(typeof(NotListed)));
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new NotListed(1), ManifestSerializer.Options));
    }

    [Fact]
    public void Stored_manifests_round_trip_through_the_codec_with_and_without_a_key()
    {
        var keys = new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) });
        for (var seed = 0; seed < 50; seed++)
        {
            var manifest = Generate(new Random(seed)) with { Encryption = new BackupEncryption(ArchiveCodec.EncryptionAlgorithm, "k1") };
            var (read, problem) = ManifestCodec.Read(ManifestCodec.Write(manifest, keys), manifest.Id, keys);
            Assert.True(problem is null, $"seed {seed}: {problem}");
            Assert.Equal(
                JsonSerializer.SerializeToUtf8Bytes(manifest, LegacyJson.Manifest),
                JsonSerializer.SerializeToUtf8Bytes(read, LegacyJson.Manifest));
        }
    }

    [Fact]
    public void Manifests_without_their_optional_members_read_as_the_reflection_serializer_read_them()
    {
        // Written manifests carry every member, but a manifest from another version or another writer may leave out the
        // ones that are not required: the generated metadata sets init-only members it did not see to null instead of
        // keeping their initializers (dotnet/runtime#84484), so each is removed in turn and both readings compared.
        string[] optional = ["toolVersions", "scheduledFor", "encryption", "tableRowCounts", "objects", "wal", "verification", "status"];
        for (var seed = 0; seed < 40; seed++)
        {
            var manifest = Generate(new Random(seed)) with { Encryption = null };
            foreach (var member in optional)
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(ManifestCodec.Write(manifest, EncryptionKeyRing.None))!.AsObject();
                node.Remove(member);
                var json = Encoding.UTF8.GetBytes(node.ToJsonString());
                var (read, problem) = ManifestCodec.Read(json, manifest.Id, EncryptionKeyRing.None);
                Assert.True(problem is null, $"seed {seed}, without {member}: {problem}");
                var reflected = JsonSerializer.Deserialize<BackupManifest>(json, LegacyJson.Manifest)!;
                Assert.NotNull(read!.ToolVersions);
                Assert.NotNull(read.TableRowCounts);
                Assert.Equal(
                    Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(reflected, LegacyJson.Manifest)),
                    Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(read, LegacyJson.Manifest)));
            }
        }
    }

    [Fact]
    public void An_unknown_member_is_still_refused()
    {
        var manifest = Generate(new Random(7)) with { Encryption = null };
        var json = Encoding.UTF8.GetString(ManifestCodec.Write(manifest, EncryptionKeyRing.None)).Replace("\"id\":", "\"fromTheFuture\": 1, \"id\":", StringComparison.Ordinal);
        var (read, problem) = ManifestCodec.Read(Encoding.UTF8.GetBytes(json), manifest.Id, EncryptionKeyRing.None);
        Assert.Null(read);
        Assert.Contains("fromTheFuture", problem);
    }

    internal static BackupManifest Generate(Random random)
    {
        var id = $"20261201T{random.Next(0, 24):00}{random.Next(0, 60):00}00Z-logical-{random.Next(0, 0xffffff):x6}";
        var started = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 3650))
            .ToOffset(TimeSpan.FromMinutes(15 * random.Next(-48, 57)));
        return new BackupManifest
        {
            FormatVersion = random.Next(1, 3),
            Id = id,
            Kind = random.Next(2) == 0 ? "logical" : "physical",
            Provider = Text(random),
            Database = Text(random),
            Server = Text(random),
            ServerVersion = Text(random),
            ToolVersions = Map(random, () => Text(random)),
            StartedAt = started,
            CompletedAt = started.AddSeconds(random.NextDouble() * 1e5),
            ScheduledFor = random.Next(2) == 0 ? null : started.AddMinutes(-random.Next(0, 100)),
            DataKey = $"backups/{id}/dir/toc.dat.zst",
            RawSize = Number(random),
            StoredSize = Number(random),
            Sha256 = Convert.ToHexStringLower(RandomBytes(random, 32)),
            Compression = new BackupCompression(random.Next(2) == 0 ? "zstd" : "none", random.Next(-7, 23)),
            Encryption = random.Next(2) == 0 ? null : new BackupEncryption(Text(random), Text(random)),
            TableRowCounts = Map(random, () => Number(random)),
            Objects = random.Next(3) == 0 ? null : [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => new BackupObject
            {
                Name = i == 0 ? "toc.dat" : $"{4000 + i}.dat",
                Key = i == 0 ? $"backups/{id}/dir/toc.dat.zst" : $"backups/{id}/dir/{4000 + i}.dat.zst",
                RawSize = Number(random),
                StoredSize = Number(random),
                Sha256 = Convert.ToHexStringLower(RandomBytes(random, 32)),
            })],
            Wal = random.Next(2) == 0 ? null : new WalPositions($"{random.Next():X}/{random.Next():X}", $"{random.Next():X}/{random.Next():X}", random.Next(1, 9), random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Verification = random.Next(3) switch
            {
                0 => null,
                _ => new BackupVerification(started.AddHours(1), random.Next(2) == 0, Text(random), random.NextDouble() * Math.Pow(10, random.Next(-5, 9)), random.Next(2) == 0 ? null : random.Next()),
            },
        };
    }

    internal static Dictionary<string, T> Map<T>(Random random, Func<T> value)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        for (var i = random.Next(0, 6); i > 0; i--)
        {
            map.TryAdd(Text(random), value());
        }

        return map;
    }

    internal static long Number(Random random) => random.Next(4) switch
    {
        0 => 0,
        1 => long.MaxValue - random.Next(0, 3),
        _ => random.NextInt64(0, long.MaxValue),
    };

    /// <summary>Text with what JSON must escape or may escape: quotes, backslashes, controls, HTML characters, non-ASCII, surrogate pairs.</summary>
    internal static string Text(Random random)
    {
        string[] pieces = ["public.orders", "\"", "\\", "\n", "\t", "\u0001", "<script>", "&", "'", "+", "é", "ß", "名前", "\U0001F600", "/", " ", "%", "\u2028", "\u007f"];
        var builder = new StringBuilder();
        for (var i = random.Next(0, 6); i > 0; i--)
        {
            builder.Append(pieces[random.Next(pieces.Length)]);
        }

        return builder.ToString();
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private sealed record NotListed(int Value);
}
