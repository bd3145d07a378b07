using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DataGuard.Supabase;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;
using DataGuard.Testing;

namespace DataGuard.Tests.Supabase;

/// <summary>
/// The Supabase APIs' bodies and the manifests of Storage copies are written and read with compile-time JSON metadata
/// (trim- and native-AOT-safe). Request bodies must stay what the APIs expect, answers must read as before, and
/// manifests (stored, read back by other versions) must be exactly what the reflection serializer wrote with the
/// options used before, on generated values; manifests written before must read as they did.
/// </summary>
public sealed class SupabaseJsonTests
{
    private const int Cases = 300;

    /// <summary>What System.Net.Http.Json uses when given no options (JsonSerializerDefaults.Web), resolving by reflection.</summary>
    private static readonly JsonSerializerOptions HttpReflection = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>The options of Storage copy manifests before (SupabaseStorageCopies.Json), resolving by reflection.</summary>
    private static readonly JsonSerializerOptions ManifestReflection = new() { WriteIndented = true, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    [Fact]
    public async Task The_PITR_restore_body_is_the_one_sent_before()
    {
        foreach (var target in new[] { DateTimeOffset.UnixEpoch, new DateTimeOffset(2025, 6, 1, 12, 30, 15, TimeSpan.FromHours(2)), DateTimeOffset.MaxValue, DateTimeOffset.MinValue })
        {
            object before = new { recovery_time_target_unix = target.ToUnixTimeSeconds() };
            using var expected = JsonContent.Create(before, options: HttpReflection);
            using var actual = JsonContent.Create(new ManagementPitrRestore(target.ToUnixTimeSeconds()), SupabaseApiJsonContext.Default.ManagementPitrRestore);
            Assert.Equal(await expected.ReadAsStringAsync(), await actual.ReadAsStringAsync());
            Assert.Equal(expected.Headers.ContentType, actual.Headers.ContentType);
            Assert.Equal($$"""{"recovery_time_target_unix":{{target.ToUnixTimeSeconds()}}}""", await actual.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_list_body_is_the_one_sent_before()
    {
        var r = new Random(1);
        foreach (var prefix in new[] { string.Empty, "avatars", "a/b/c d", "<&'\"\\>", "é日😀", "\u0001\t" }.Concat(Enumerable.Range(0, 50).Select(_ => JsonValues.Text(r))))
        {
            foreach (var offset in new[] { 0, 1000, int.MaxValue - 999 })
            {
                var before = new { prefix, limit = 1000, offset, sortBy = new { column = "name", order = "asc" } };
                using var expected = JsonContent.Create(before, options: HttpReflection);
                using var actual = JsonContent.Create(new SupabaseRestObjectStore.RestListRequest(prefix, 1000, offset, new SupabaseRestObjectStore.RestSortBy("name", "asc")), SupabaseApiJsonContext.Default.RestListRequest);
                Assert.Equal(await expected.ReadAsStringAsync(), await actual.ReadAsStringAsync());
                Assert.Equal(expected.Headers.ContentType, actual.Headers.ContentType);
            }
        }
    }

    [Theory]
    [InlineData("""{"id":"abcdefghijklmnopqrst","name":"shop","region":"eu-central-1","status":"ACTIVE_HEALTHY","database":{"host":"db.abcdefghijklmnopqrst.supabase.co","version":"15.8.1.093","postgres_engine":"15"},"created_at":"2024-01-01T00:00:00Z","organization_id":"org"}""")]
    [InlineData("""{"id":"x","database":null}""")]
    [InlineData("""{"ID":"x","Name":"y","DATABASE":{"Host":"h"}}""")]
    [InlineData("""{}""")]
    [InlineData("""{"id":1}""")]
    [InlineData("""[]""")]
    public void Projects_read_as_before(string json) => AssertAnswerReadsAlike(json, SupabaseApiJsonContext.Default.ManagementProject);

    [Theory]
    [InlineData("""{"region":"eu-central-1","walg_enabled":true,"pitr_enabled":true,"backups":[{"id":1,"is_physical_backup":true,"status":"COMPLETED","inserted_at":"2025-01-01T02:00:00.123456+00:00"},{"id":null,"is_physical_backup":false,"status":"FAILED","inserted_at":null}],"physical_backup_data":{"earliest_physical_backup_date_unix":1735689600,"latest_physical_backup_date_unix":"1735776000"}}""")]
    [InlineData("""{"region":"us-east-1","walg_enabled":false,"pitr_enabled":false,"backups":[],"physical_backup_data":{}}""")]
    [InlineData("""{"walg_enabled":"true"}""")]
    [InlineData("""{"backups":[{"id":"12","inserted_at":"2025-01-01"}]}""")]
    [InlineData("""{"backups":[{"inserted_at":"not a date"}]}""")]
    [InlineData("""{"Backups":null,"PITR_ENABLED":true}""")]
    public void Backups_read_as_before(string json) => AssertAnswerReadsAlike(json, SupabaseApiJsonContext.Default.ManagementBackups);

    [Theory]
    [InlineData("""{"selected_addons":[{"type":"pitr","variant":{"id":"pitr_7","name":"7 days","price":{"amount":100}}},{"type":"compute_instance","variant":{"id":"ci_small","name":"Small"}}],"available_addons":[]}""")]
    [InlineData("""{"selected_addons":[]}""")]
    [InlineData("""{"selected_addons":null}""")]
    [InlineData("""{"selected_addons":[{"type":null,"variant":null}]}""")]
    [InlineData("""{"selected_addons":{}}""")]
    public void Addons_read_as_before(string json) => AssertAnswerReadsAlike(json, SupabaseApiJsonContext.Default.ManagementAddons);

    [Theory]
    [InlineData("""[{"id":"avatars","name":"avatars","owner":"","public":true,"created_at":"2024-01-01T00:00:00.000Z"},{"id":null,"name":"docs"},{"name":null}]""")]
    [InlineData("""[]""")]
    [InlineData("""[{"ID":"x"}]""")]
    [InlineData("""{"statusCode":"403"}""")]
    public void Buckets_read_as_before(string json) => AssertAnswerReadsAlike(json, SupabaseApiJsonContext.Default.ListRestBucket);

    [Theory]
    [InlineData("""[{"name":"folder","id":null,"updated_at":null,"metadata":null},{"name":"a.png","id":"0b4f","updated_at":"2024-01-01T00:00:00.000Z","metadata":{"eTag":"\"d41d8cd98f00b204e9800998ecf8427e\"","size":1234,"mimetype":"image/png","cacheControl":"max-age=3600"}}]""")]
    [InlineData("""[{"name":"big.bin","id":"1","metadata":{"eTag":"\"x-2\"","size":"9223372036854775807","mimetype":null}}]""")]
    [InlineData("""[{"name":"n","id":"1","metadata":{"size":12.5}}]""")]
    [InlineData("""[{"NAME":"n","Id":"1","Metadata":{"ETAG":"e"}}]""")]
    [InlineData("""[{"id":"1"}]""")]
    public void Listings_read_as_before(string json) => AssertAnswerReadsAlike(json, SupabaseApiJsonContext.Default.ListRestListEntry);

    [Fact]
    public void Storage_copy_manifests_are_written_as_before_and_read_alike()
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var manifest = Manifest(new Random(seed));
            var json = JsonParity.AssertSameBytes(manifest, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest, ManifestReflection, $"seed {seed}");
            JsonParity.AssertVariantsReadAlike(json, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest, ManifestReflection, $"seed {seed}");
        }
    }

    [Fact]
    public void A_storage_copy_manifest_written_before_reads_and_is_written_the_same()
    {
        const string Stored = """
            {
              "format": 1,
              "id": "20250102T0304050000000Z-storage-a1b2c3",
              "source": "REST API https://abcdefghijklmnopqrst.supabase.co/storage/v1",
              "started_at": "2025-01-02T03:04:05+00:00",
              "finished_at": "2025-01-02T03:04:09.5+00:00",
              "buckets": [
                "avatars",
                "docs"
              ],
              "objects": [
                {
                  "bucket": "avatars",
                  "name": "u/1/\u00E9t\u00E9 \u003C1\u003E.png",
                  "size": 1234,
                  "etag": "d41d8cd98f00b204e9800998ecf8427e",
                  "content_type": "image/png",
                  "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                  "blob": "supabase-storage/blobs/avatars/0a1b"
                },
                {
                  "bucket": "docs",
                  "name": "readme",
                  "size": 0,
                  "etag": "",
                  "content_type": null,
                  "sha256": "",
                  "blob": "supabase-storage/blobs/docs/ffff"
                }
              ],
              "copied": 1,
              "unchanged": 1,
              "bytes": 1234,
              "reconciliation": {
                "rows": 3,
                "rows_without_object": [
                  "docs/gone"
                ],
                "objects_without_row": []
              }
            }
            """;
        var manifest = new SupabaseStorageManifest
        {
            Id = "20250102T0304050000000Z-storage-a1b2c3",
            Source = "REST API https://abcdefghijklmnopqrst.supabase.co/storage/v1",
            StartedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            FinishedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 9, 500, TimeSpan.Zero),
            Buckets = ["avatars", "docs"],
            Objects =
            [
                new("avatars", "u/1/été <1>.png", 1234, "d41d8cd98f00b204e9800998ecf8427e", "image/png", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "supabase-storage/blobs/avatars/0a1b"),
                new("docs", "readme", 0, string.Empty, null, string.Empty, "supabase-storage/blobs/docs/ffff"),
            ],
            Copied = 1,
            Unchanged = 1,
            Bytes = 1234,
            Reconciliation = new SupabaseStorageReconciliation(3, ["docs/gone"], []),
        };
        Assert.Equal(Stored, JsonParity.AssertSameBytes(manifest, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest, ManifestReflection, "sample"));
        var read = JsonSerializer.Deserialize(Stored, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest)!;
        Assert.Equal(Stored, JsonSerializer.Serialize(read, ManifestReflection));
        JsonParity.AssertVariantsReadAlike(Stored, SupabaseStorageManifestJsonContext.Default.SupabaseStorageManifest, ManifestReflection, "sample");
    }

    private static void AssertAnswerReadsAlike<T>(string json, JsonTypeInfo<T> generated)
    {
        // ReadFromJsonAsync with the metadata reads with its options: the web defaults, as ReadFromJsonAsync<T>() did.
        Assert.True(generated.Options.PropertyNameCaseInsensitive);
        Assert.Equal(HttpReflection.NumberHandling, generated.Options.NumberHandling);
        Assert.Equal(HttpReflection.PropertyNamingPolicy, generated.Options.PropertyNamingPolicy);
        JsonParity.AssertReadsAlike(json, generated, HttpReflection, typeof(T).Name);
        if (json.StartsWith('{') && json.Length > 2)
        {
            foreach (var (name, variant) in JsonParity.Variants(json))
            {
                JsonParity.AssertReadsAlike(variant, generated, HttpReflection, $"{typeof(T).Name}, {name}");
            }
        }
    }

    private static SupabaseStorageManifest Manifest(Random r) => new()
    {
        Format = r.Next(5) == 0 ? r.Next() : 1,
        Id = JsonValues.Text(r),
        Source = JsonValues.Text(r),
        StartedAt = JsonValues.Time(r),
        FinishedAt = JsonValues.Time(r),
        Buckets = JsonValues.List(r, 3, JsonValues.Text),
        Objects = JsonValues.List(r, 4, o => new SupabaseStorageEntry(JsonValues.Text(o), JsonValues.Text(o), JsonValues.Long(o), JsonValues.Text(o), JsonValues.TextOrNull(o), JsonValues.Text(o), JsonValues.Text(o))),
        Copied = r.Next(),
        Unchanged = r.Next(),
        Bytes = JsonValues.Long(r),
        Reconciliation = r.Next(3) == 0 ? null : new SupabaseStorageReconciliation(r.Next(), JsonValues.List(r, 3, JsonValues.Text), JsonValues.List(r, 3, JsonValues.Text)),
    };
}
