using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DataGuard.Backup;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Pitr;
using DataGuard.Postgres.Retention;

namespace DataGuard.Postgres.Tests.Json;

/// <summary>
/// Drill reports, restore points, export job artifacts and retention result details are written and read with
/// compile-time JSON metadata (trim- and native-AOT-safe). They are stored and read back by other versions: the JSON
/// must be exactly what the reflection serializer wrote with the options each used before, on generated values (text
/// that needs escaping, offsets, extreme numbers, nulls), and JSON written before must read as it did.
/// </summary>
public sealed class StoredJsonTests
{
    private const int Cases = 300;

    /// <summary>The options of drill reports before (DrillReports.Json), resolving by reflection.</summary>
    private static readonly JsonSerializerOptions DrillReflection = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The options of restore points before: ManifestSerializer.Options as they were, resolving by reflection.</summary>
    private static readonly JsonSerializerOptions RestorePointReflection = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>The serializer's defaults (export artifacts and retention details were serialized without options), resolving by reflection.</summary>
    private static readonly JsonSerializerOptions DefaultReflection = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    [Fact]
    public void Drill_reports_are_written_as_before_and_read_alike()
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var report = Drill(new Random(seed));
            var json = JsonParity.AssertSameBytes(report, DrillJsonContext.Default.DrillReport, DrillReflection, $"seed {seed}");
            JsonParity.AssertVariantsReadAlike(json, DrillJsonContext.Default.DrillReport, DrillReflection, $"seed {seed}");
        }
    }

    [Fact]
    public void A_drill_report_written_before_reads_and_is_written_the_same()
    {
        const string Stored = """
            {
              "id": "20250101T000000Z-drill-abc123",
              "backupId": "20241231T230000Z-logical-3fa9c1",
              "backupCompletedAt": "2024-12-31T23:05:00+00:00",
              "startedAt": "2025-01-01T01:00:00.1234567+01:00",
              "target": "127.0.0.1:5432/dataguard_drill_abc123",
              "rpoSeconds": 3300,
              "rtoSeconds": 12.5,
              "checks": [
                {
                  "name": "restore",
                  "passed": true,
                  "detail": "pg_restore \u003Cok\u003E \u0026 \u0027done\u0027 \u00E9 \u65E5"
                },
                {
                  "name": "row counts",
                  "passed": false,
                  "detail": "public.orders: 3 != 4"
                }
              ],
              "passed": false,
              "error": null
            }
            """;
        var report = new DrillReport(
            "20250101T000000Z-drill-abc123", "20241231T230000Z-logical-3fa9c1", new DateTimeOffset(2024, 12, 31, 23, 5, 0, TimeSpan.Zero),
            new DateTimeOffset(2025, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)).AddTicks(1234567), "127.0.0.1:5432/dataguard_drill_abc123", 3300, 12.5,
            [new DrillCheckResult("restore", true, "pg_restore <ok> & 'done' é 日"), new DrillCheckResult("row counts", false, "public.orders: 3 != 4")], false, null);
        Assert.Equal(Stored, JsonParity.AssertSameBytes(report, DrillJsonContext.Default.DrillReport, DrillReflection, "sample"));
        var read = JsonSerializer.Deserialize(Stored, DrillJsonContext.Default.DrillReport)!;
        Assert.Equal(report with { Checks = read.Checks }, read);
        Assert.Equal(report.Checks, read.Checks);
    }

    [Fact]
    public void Restore_points_are_written_as_before_and_read_alike()
    {
        // As before, with the options of manifests as they are in the engine today (resolved by reflection), too.
        var manifestOptions = new JsonSerializerOptions(ManifestSerializer.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        for (var seed = 0; seed < Cases; seed++)
        {
            var r = new Random(seed);
            var point = new RestorePoint(JsonValues.Text(r), JsonValues.Text(r), JsonValues.Time(r), r.Next(5) == 0 ? null! : JsonValues.Text(r));
            var json = JsonParity.AssertSameBytes(point, RestorePointJsonContext.Stored.RestorePoint, RestorePointReflection, $"seed {seed}");
            JsonParity.AssertSameBytes(point, RestorePointJsonContext.Stored.RestorePoint, manifestOptions, $"seed {seed}, engine's options");
            JsonParity.AssertVariantsReadAlike(json, RestorePointJsonContext.Stored.RestorePoint, RestorePointReflection, $"seed {seed}");
        }
    }

    [Fact]
    public void A_restore_point_written_before_reads_and_is_written_the_same()
    {
        const string Stored = """
            {
              "name": "before-deploy_42.v1",
              "lsn": "0/3000090",
              "createdAt": "2025-03-04T05:06:07.891234-03:30",
              "systemIdentifier": "7312345678901234567"
            }
            """;
        var point = new RestorePoint("before-deploy_42.v1", "0/3000090", new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromMinutes(-210)).AddTicks(8912340), "7312345678901234567");
        Assert.Equal(Stored, JsonParity.AssertSameBytes(point, RestorePointJsonContext.Stored.RestorePoint, RestorePointReflection, "sample"));
        Assert.Equal(point, JsonSerializer.Deserialize(Stored, RestorePointJsonContext.Stored.RestorePoint));

        // The relaxed encoder: HTML-sensitive and non-ASCII characters are written as they are (but for surrogate pairs); nulls are left out.
        var odd = new RestorePoint("x", "<&'> é 日 😀", DateTimeOffset.UnixEpoch, null!);
        Assert.Equal(
            "{\n  \"name\": \"x\",\n  \"lsn\": \"<&'> é 日 \\uD83D\\uDE00\",\n  \"createdAt\": \"1970-01-01T00:00:00+00:00\"\n}",
            JsonParity.AssertSameBytes(odd, RestorePointJsonContext.Stored.RestorePoint, RestorePointReflection, "relaxed").ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Export_artifacts_are_written_as_before_and_read_alike()
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var r = new Random(seed);
            var artifacts = JsonValues.List(r, 4, Artifact).ToList();
            var json = JsonParity.AssertSameBytes(artifacts, ExportJsonContext.Default.ListStoredArtifact, DefaultReflection, $"seed {seed}");
            JsonParity.AssertReadsAlike(json, ExportJsonContext.Default.ListStoredArtifact, DefaultReflection, $"seed {seed}");
            foreach (var artifact in artifacts)
            {
                foreach (var (name, variant) in JsonParity.Variants(JsonSerializer.Serialize(artifact, DefaultReflection)))
                {
                    JsonParity.AssertReadsAlike($"[{variant}]", ExportJsonContext.Default.ListStoredArtifact, DefaultReflection, $"seed {seed}, {name}");
                }
            }
        }
    }

    [Fact]
    public void Export_artifacts_stored_before_read_as_before()
    {
        // As written (before warnings existed, and with them), and as PostgreSQL's jsonb gives them back (keys reordered, spaced).
        const string Written = """[{"Format":"json","Key":"exports/j/1/subject.json","Size":1234,"Sha256":"ab12","ContentType":"application/json","Warnings":null},{"Format":"pdf","Key":"exports/j/1/subject.pdf","Size":9223372036854775807,"Sha256":"cd34","ContentType":"application/pdf","Warnings":["no glyph for \u0027\uD83D\uDE00\u0027"]}]""";
        const string Old = """[{"Format":"csv","Key":"exports/j/2/subject.zip","Size":0,"Sha256":"","ContentType":"application/zip"}]""";
        const string Jsonb = """[{"Key": "exports/j/1/subject.json", "Size": 1234, "Format": "json", "Sha256": "ab12", "Warnings": ["font \"x\" missing"], "ContentType": "application/json"}]""";
        foreach (var json in new[] { Written, Old, Jsonb })
        {
            JsonParity.AssertReadsAlike(json, ExportJsonContext.Default.ListStoredArtifact, DefaultReflection, json);
        }

        List<ExportJobs.StoredArtifact> artifacts =
        [
            new("json", "exports/j/1/subject.json", 1234, "ab12", "application/json"),
            new("pdf", "exports/j/1/subject.pdf", long.MaxValue, "cd34", "application/pdf") { Warnings = ["no glyph for '😀'"] },
        ];
        Assert.Equal(Written, JsonParity.AssertSameBytes(artifacts, ExportJsonContext.Default.ListStoredArtifact, DefaultReflection, "sample"));
        var read = JsonSerializer.Deserialize(Jsonb, ExportJsonContext.Default.ListStoredArtifact)!;
        Assert.Equal(["font \"x\" missing"], Assert.Single(read).Warnings!);
        Assert.Null(Assert.Single(JsonSerializer.Deserialize(Old, ExportJsonContext.Default.ListStoredArtifact)!).Warnings);
    }

    [Fact]
    public void Retention_details_are_the_dictionary_they_were()
    {
        for (var seed = 0; seed < Cases; seed++)
        {
            var result = RetentionResult(new Random(seed));
            var details = JsonSerializer.Serialize(RetentionResultDetails.Of(result), RetentionJsonContext.Default.RetentionResultDetails);
            Assert.Equal(AsBefore(result), details);
            Assert.Equal(details, JsonSerializer.Serialize(RetentionResultDetails.Of(result), DefaultReflection));
        }

        var sample = new RetentionPolicyResult("audit", "Delete", 10, 2, 1, 5, 7, null, null, ["(0,1)"], null)
        {
            ParentsHeldByChildren = 1,
            RowsKeptByReferences = 3,
            Cascades = [new RetentionCascade("public.lines", "lines_order_fk", "CASCADE", 4)],
            Holds = [new RetentionHoldCount(9, 2)],
            RowsSkipped = 1,
            SkipReasons = ["public.audit (0,2): 55P03: could not obtain lock on row in relation \"audit\""],
            Archives = ["retention/audit/1.ndjson.zst"],
        };
        Assert.Equal(
            """{"parentsHeldByChildren":1,"keptByReferences":3,"cascades":[{"table":"public.lines","constraint":"lines_order_fk","onDelete":"CASCADE","rows":4}],"archives":["retention/audit/1.ndjson.zst"],"holds":[{"hold":9,"rows":2}],"rowIdentity":"","skipped":1,"skipReasons":["public.audit (0,2): 55P03: could not obtain lock on row in relation \u0022audit\u0022"],"sample":["(0,1)"]}""",
            JsonSerializer.Serialize(RetentionResultDetails.Of(sample), RetentionJsonContext.Default.RetentionResultDetails));
    }

    /// <summary>RetentionRunner.RecordAsync's details as they were serialized before (a dictionary, by reflection).</summary>
    private static string AsBefore(RetentionPolicyResult r) => JsonSerializer.Serialize(
        new Dictionary<string, object>
        {
            ["parentsHeldByChildren"] = r.ParentsHeldByChildren,
            ["keptByReferences"] = r.RowsKeptByReferences,
            ["cascades"] = r.Cascades.Select(c => new Dictionary<string, object> { ["table"] = c.Table, ["constraint"] = c.Constraint, ["onDelete"] = c.OnDelete, ["rows"] = c.Rows }).ToList(),
            ["archives"] = r.Archives,
            ["holds"] = r.Holds.Select(h => new Dictionary<string, long> { ["hold"] = h.HoldId, ["rows"] = h.Rows }).ToList(),
            ["rowIdentity"] = r.RowIdentity ?? string.Empty,
            ["skipped"] = r.RowsSkipped,
            ["skipReasons"] = r.SkipReasons,
            ["sample"] = r.SampleKeys,
        },
        DefaultReflection);

    private static DrillReport Drill(Random r) => new(
        JsonValues.Text(r),
        JsonValues.TextOrNull(r),
        JsonValues.TimeOrNull(r),
        JsonValues.Time(r),
        JsonValues.Text(r),
        JsonValues.NumberOrNull(r),
        JsonValues.NumberOrNull(r),
        JsonValues.List(r, 5, c => new DrillCheckResult(JsonValues.Text(c), c.Next(2) == 0, JsonValues.Text(c))),
        r.Next(2) == 0,
        JsonValues.TextOrNull(r));

    private static ExportJobs.StoredArtifact Artifact(Random r) =>
        new(JsonValues.Text(r), JsonValues.Text(r), JsonValues.Long(r), JsonValues.Text(r), JsonValues.Text(r))
        {
            Warnings = r.Next(3) == 0 ? null : [.. JsonValues.List(r, 3, JsonValues.Text)],
        };

    private static RetentionPolicyResult RetentionResult(Random r) =>
        new(JsonValues.Text(r), JsonValues.Text(r), JsonValues.Long(r), JsonValues.Long(r), r.Next(), JsonValues.Long(r), JsonValues.Long(r), JsonValues.TimeOrNull(r), JsonValues.TimeOrNull(r), JsonValues.List(r, 4, JsonValues.Text), JsonValues.TextOrNull(r))
        {
            ParentsHeldByChildren = JsonValues.Long(r),
            RowsKeptByReferences = JsonValues.Long(r),
            Cascades = JsonValues.List(r, 3, c => new RetentionCascade(JsonValues.Text(c), JsonValues.Text(c), JsonValues.Text(c), JsonValues.Long(c))),
            Kept = JsonValues.List(r, 2, JsonValues.Text),
            Holds = JsonValues.List(r, 3, h => new RetentionHoldCount(JsonValues.Long(h), JsonValues.Long(h))),
            RowsSkipped = JsonValues.Long(r),
            SkipReasons = JsonValues.List(r, 3, JsonValues.Text),
            RowIdentity = JsonValues.TextOrNull(r),
            Archives = JsonValues.List(r, 3, JsonValues.Text),
        };
}
