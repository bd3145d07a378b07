using System.Text;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Export;

namespace DataGuard.Tests.Backup;

/// <summary>
/// What DataGuard stores as JSON is a format existing backups are in. The files under <c>Golden/</c> were written by
/// DataGuard before its JSON was resolved at compile time only (reflection, the non-generic enum converter, an
/// anonymous type for the quarantine marker), from the values built here: today's code must write the same bytes, and
/// read them.
/// </summary>
public class StoredJsonFormatTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Fact]
    public void Manifests_are_written_byte_for_byte_as_before()
    {
        AssertGolden("manifest.json", ManifestSerializer.Serialize(Fixed(2, encrypted: true)));
        AssertGolden("manifest-minimal.json", ManifestSerializer.Serialize(Minimal()));
    }

    [Fact]
    public void Stored_manifests_are_written_byte_for_byte_as_before_MAC_included()
    {
        var keys = new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = Key });
        AssertGolden("stored-mac.json", ManifestCodec.Write(Fixed(2, encrypted: true), keys));
        AssertGolden("stored-nokey.json", ManifestCodec.Write(Fixed(2, encrypted: false), EncryptionKeyRing.None));
        AssertGolden("stored-v1.json", ManifestCodec.Write(Verified(Fixed(1, encrypted: false)), EncryptionKeyRing.None));
    }

    [Theory]
    [InlineData("stored-mac.json", true)]
    [InlineData("stored-nokey.json", false)]
    [InlineData("stored-v1.json", false)]
    public void Manifests_stored_before_are_read_and_their_MAC_verified(string file, bool withKey)
    {
        var keys = withKey ? new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = Key }) : EncryptionKeyRing.None;
        var (read, problem) = ManifestCodec.Read(Golden(file), "20261201T030000Z-logical-3fa9c1", keys);
        Assert.True(problem is null, problem);
        var expected = file switch
        {
            "stored-mac.json" => Fixed(2, encrypted: true),
            "stored-nokey.json" => Fixed(2, encrypted: false),
            _ => Verified(Fixed(1, encrypted: false)),
        };
        Assert.Equal(ManifestSerializer.Serialize(expected), ManifestSerializer.Serialize(read!));
        Assert.Equal(expected.Status, read!.Status);
    }

    [Fact]
    public void Manifests_written_before_are_read_alike()
    {
        Assert.Equal(ManifestSerializer.Serialize(Fixed(2, encrypted: true)), ManifestSerializer.Serialize(ManifestSerializer.Deserialize(Golden("manifest.json"))));
        var minimal = ManifestSerializer.Deserialize(Golden("manifest-minimal.json"));
        Assert.Empty(minimal.ToolVersions);
        Assert.Empty(minimal.TableRowCounts);
        Assert.Null(minimal.Objects);
        Assert.Equal(ManifestSerializer.Serialize(Minimal()), ManifestSerializer.Serialize(minimal));
    }

    [Fact]
    public void The_quarantine_marker_is_written_byte_for_byte_as_before()
    {
        var (unreadable, now) = FixedQuarantine();
        AssertGolden("quarantine.json", BackupPruner.QuarantineMarkerJson(unreadable, now));
    }

    [Fact]
    public void Quarantine_markers_are_the_bytes_the_anonymous_type_was_serialized_to()
    {
        // Before: JsonSerializer.SerializeToUtf8Bytes(new { id, quarantinedAt, reason, keys }, ManifestSerializer.Options).
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var id = $"20261201T{random.Next(0, 24):00}0000Z-{(random.Next(2) == 0 ? "logical" : "physical")}-{random.Next(0, 0xffffff):x6}";
            IReadOnlyList<string> keys = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"backups/{id}/{ManifestJsonContextTests.Text(random)}")];
            var unreadable = new UnreadableBackup(id, keys, random.NextInt64(), DateTimeOffset.UnixEpoch, ManifestJsonContextTests.Text(random));
            var now = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 3650))
                .ToOffset(TimeSpan.FromMinutes(15 * random.Next(-48, 57)));
            var before = JsonSerializer.SerializeToUtf8Bytes(new { id = unreadable.Id, quarantinedAt = now, reason = unreadable.Reason, keys = unreadable.Keys }, LegacyJson.Manifest);
            var marker = BackupPruner.QuarantineMarkerJson(unreadable, now);
            Assert.True(marker.AsSpan().SequenceEqual(before), $"seed {seed}: {Encoding.UTF8.GetString(marker)}\n!=\n{Encoding.UTF8.GetString(before)}");
        }
    }

    [Fact]
    public void A_JSON_value_in_a_PDF_is_indented_as_before()
    {
        const string json = "{\"a\": [1, 2.50, -0, 1e400, \"<é \\u00e9 \\\"q\\\" \\u2028 \U0001F600 &>\"], \"b\": {\"c\": null, \"d\": true, \"e\": \"\\u0001\"}, \"f\": []}";
        Assert.Equal(Encoding.UTF8.GetString(Golden("pdf-pretty.txt")), new PdfValues(null, null).ToText(new JsonText(json)));
    }

    internal static BackupManifest Fixed(int format, bool encrypted) => new()
    {
        FormatVersion = format,
        Id = "20261201T030000Z-logical-3fa9c1",
        Kind = "logical",
        Provider = "pg_dump",
        Database = "shop <\"é\">",
        Server = "db.example:5432",
        ServerVersion = "17.2 \u2028 名前 \U0001F600 'x' & + / \\",
        ToolVersions = new Dictionary<string, string> { ["pg_dump"] = "17.2", ["ü\n"] = "\u0001\u007f" },
        StartedAt = new DateTimeOffset(2026, 12, 1, 3, 0, 0, 123, TimeSpan.FromHours(1)).AddTicks(4567),
        CompletedAt = new DateTimeOffset(2026, 12, 1, 3, 5, 7, TimeSpan.Zero),
        ScheduledFor = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.FromMinutes(-210)),
        DataKey = "backups/20261201T030000Z-logical-3fa9c1/dir/toc.dat.zst",
        RawSize = long.MaxValue,
        StoredSize = 0,
        Sha256 = new string('a', 64),
        Compression = new BackupCompression("zstd", -7),
        Encryption = encrypted ? new BackupEncryption("aes-256-gcm-chunked", "k1") : null,
        TableRowCounts = new Dictionary<string, long> { ["public.orders"] = 42, ["\"q\".t"] = long.MinValue },
        Objects = [new BackupObject { Name = "toc.dat", Key = "backups/20261201T030000Z-logical-3fa9c1/dir/toc.dat.zst", RawSize = 1, StoredSize = 2, Sha256 = new string('b', 64) }],
        Wal = new WalPositions("0/3000028", "0/3000100", 1, "7312345678901234567"),
        Verification = new BackupVerification(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero), false, "checksum <mismatch> & \"bad\"", 1.5e-7, null),
    };

    private static BackupManifest Minimal() => Fixed(1, encrypted: false) with
    {
        ScheduledFor = null,
        Objects = null,
        Wal = null,
        Verification = null,
        ToolVersions = new Dictionary<string, string>(),
        TableRowCounts = new Dictionary<string, long>(),
    };

    private static BackupManifest Verified(BackupManifest manifest) =>
        manifest with { Verification = new BackupVerification(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero), true, "ok", 12, 7) };

    private static (UnreadableBackup Backup, DateTimeOffset Now) FixedQuarantine() => (
        new UnreadableBackup(
            "20261201T030000Z-physical-0badc0",
            ["backups/20261201T030000Z-physical-0badc0/manifest.json", "backups/x/<é>.zst"],
            10,
            DateTimeOffset.UnixEpoch,
            "its MAC (key id 'k1') does not match: \"changed\" <b> & 名前"),
        new DateTimeOffset(2026, 12, 2, 1, 2, 3, 456, TimeSpan.FromHours(-5)));

    /// <summary>A golden file, its line ends those this platform writes indented JSON with (the files have LF).</summary>
    private static byte[] Golden(string name)
    {
        using var stream = typeof(StoredJsonFormatTests).Assembly.GetManifestResourceStream($"DataGuard.Tests.Golden.{name}")
            ?? throw new InvalidOperationException($"Golden/{name} is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", Environment.NewLine, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    private static void AssertGolden(string name, byte[] actual)
    {
        var expected = Golden(name);
        Assert.True(actual.AsSpan().SequenceEqual(expected), $"{name}:\n{Encoding.UTF8.GetString(actual)}\n!=\n{Encoding.UTF8.GetString(expected)}");
    }
}
