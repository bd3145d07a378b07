using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;

namespace DataGuard.Tests.Backup;

public class ManifestAuthenticationTests
{
    private const string Id = "20261126T030000Z-logical-3fa9c1";
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly EncryptionKeyRing Encrypted = new("k1", new Dictionary<string, byte[]> { ["k1"] = Key });

    [Fact]
    public void Canonical_bytes_are_those_of_RFC_8785()
    {
        // The example of RFC 8785, section 3.2.2.
        var input = """{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}""";
        var expected = """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(JsonNode.Parse(input))));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(9007199254740992.0, "9007199254740992")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(0.2206135, "0.2206135")]
    [InlineData(123456.0, "123456")]
    public void Numbers_are_written_as_ECMAScript_does(double value, string expected) =>
        Assert.Equal(expected, JsonCanonicalizer.FormatNumber(value));

    [Fact]
    public void A_written_manifest_carries_a_MAC_that_verifies_and_any_change_breaks_it()
    {
        var bytes = ManifestCodec.Write(Manifest(), Encrypted);
        var node = JsonNode.Parse(bytes)!.AsObject();
        Assert.Equal(ManifestMacStatus.Valid, ManifestMac.Verify(node, Encrypted, out var keyId));
        Assert.Equal("k1", keyId);
        Assert.Equal(Id, ManifestCodec.Read(bytes, Id, Encrypted).Manifest!.Id);

        node["tableRowCounts"]!["public.users"] = 11;
        Assert.Equal(ManifestMacStatus.Invalid, ManifestMac.Verify(node, Encrypted, out _));
        var (manifest, problem) = ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), Id, Encrypted);
        Assert.Null(manifest);
        Assert.Contains("MAC", problem);
    }

    [Fact]
    public void Whitespace_and_member_order_do_not_matter_but_an_added_member_does()
    {
        var node = JsonNode.Parse(ManifestCodec.Write(Manifest(), Encrypted))!.AsObject();
        var reordered = new JsonObject(node.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        Assert.Equal(ManifestMacStatus.Valid, ManifestMac.Verify(reordered, Encrypted, out _));

        reordered["retainUntil"] = "2099-01-01";
        Assert.Equal(ManifestMacStatus.Invalid, ManifestMac.Verify(reordered, Encrypted, out _));
    }

    [Fact]
    public void With_a_key_configured_a_manifest_without_MAC_is_refused_unless_it_is_a_legacy_encrypted_one()
    {
        var unsigned = ManifestCodec.Write(Manifest(), EncryptionKeyRing.None);
        Assert.DoesNotContain("\"mac\"", Encoding.UTF8.GetString(unsigned));
        Assert.Contains("carries no MAC", ManifestCodec.Read(unsigned, Id, Encrypted).Problem);

        var legacyPlain = ManifestCodec.Write(Manifest() with { FormatVersion = 1, Encryption = null }, EncryptionKeyRing.None);
        Assert.Contains("refusing unencrypted object", ManifestCodec.Read(legacyPlain, Id, Encrypted).Problem);
        var allowing = new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = Key }) { AllowUnencryptedRead = true };
        Assert.NotNull(ManifestCodec.Read(legacyPlain, Id, allowing).Manifest);

        var legacyEncrypted = ManifestCodec.Write(Manifest() with { FormatVersion = 1 }, Encrypted);
        Assert.DoesNotContain("\"mac\"", Encoding.UTF8.GetString(legacyEncrypted));
        Assert.NotNull(ManifestCodec.Read(legacyEncrypted, Id, Encrypted).Manifest);
    }

    [Theory]
    [InlineData("{\"formatVersion\": 3, \"id\": \"x\"}", "newer DataGuard")]
    [InlineData("{\"formatVersion\": 2, \"formatVersion\": 2}", "not valid JSON")]
    [InlineData("[1, 2]", "not valid JSON")]
    [InlineData("{\"formatVersion\": 2, \"id\": \"", "not valid JSON")]
    [InlineData("{\"id\": \"x\"}", "no valid formatVersion")]
    public void Unreadable_manifests_say_why(string json, string expected) =>
        Assert.Contains(expected, ManifestCodec.Read(Encoding.UTF8.GetBytes(json), Id, EncryptionKeyRing.None).Problem);

    [Fact]
    public void An_unknown_member_the_status_and_the_folder_are_checked()
    {
        var node = JsonNode.Parse(ManifestCodec.Write(Manifest(), EncryptionKeyRing.None))!.AsObject();
        Assert.Equal("unverified", (string?)node["status"]);
        Assert.NotNull(ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), Id, EncryptionKeyRing.None).Manifest);

        node["legalHold"] = true;
        Assert.Contains("does not know", ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), Id, EncryptionKeyRing.None).Problem);
        node.Remove("legalHold");
        Assert.Contains("not its folder", ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), "20261127T030000Z-logical-000000", EncryptionKeyRing.None).Problem);
        node["dataKey"] = "backups/20261127T030000Z-logical-000000/data.pgdump.zst.enc";
        Assert.Contains("outside its folder", ManifestCodec.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), Id, EncryptionKeyRing.None).Problem);
    }

    [Fact]
    public void A_MAC_under_a_key_id_that_is_not_configured_cannot_be_trusted()
    {
        var bytes = ManifestCodec.Write(Manifest(), Encrypted);
        var other = new EncryptionKeyRing("k2", new Dictionary<string, byte[]> { ["k2"] = RandomNumberGenerator.GetBytes(32) });
        Assert.Contains("key id 'k1', which is not configured", ManifestCodec.Read(bytes, Id, other).Problem);

        var wrong = new EncryptionKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) });
        Assert.Equal(ManifestMacStatus.WrongKey, ManifestMac.Verify(JsonNode.Parse(bytes)!.AsObject(), wrong, out _));
        Assert.Contains("is not the key this manifest was authenticated with", ManifestCodec.Read(bytes, Id, wrong).Problem);

        // After a rotation the old key stays known by id: its manifests still verify.
        var rotated = new EncryptionKeyRing("k2", new Dictionary<string, byte[]> { ["k2"] = RandomNumberGenerator.GetBytes(32), ["k1"] = Key });
        Assert.NotNull(ManifestCodec.Read(bytes, Id, rotated).Manifest);
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
        CompletedAt = DateTimeOffset.Parse("2026-11-26T03:01:12.345Z", System.Globalization.CultureInfo.InvariantCulture),
        DataKey = $"backups/{Id}/data.pgdump.zst.enc",
        RawSize = 12290,
        StoredSize = 3318,
        Sha256 = new string('a', 64),
        Compression = new BackupCompression("zstd", 3),
        Encryption = new BackupEncryption(ArchiveCodec.EncryptionAlgorithm, "k1"),
        TableRowCounts = new Dictionary<string, long> { ["public.users"] = 10, ["public.Odd Name"] = 2 },
        Verification = null,
    };
}
