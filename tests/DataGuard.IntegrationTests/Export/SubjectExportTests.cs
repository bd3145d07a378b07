using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DataGuard.Export;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export;

public sealed class SubjectExportTests : IAsyncLifetime
{
    private ExportHarness _harness = null!;

    private SubjectExports Exports => _harness.Services.GetRequiredService<SubjectExports>();

    public async Task InitializeAsync() => _harness = await ExportHarness.CreateAsync();

    public Task DisposeAsync() => _harness.DisposeAsync().AsTask();

    [Fact]
    public async Task The_map_follows_foreign_keys_links_composite_keys_and_cycles_and_warns_about_missing_links()
    {
        var map = await Exports.MapAsync();
        var distances = map.Tables.ToDictionary(t => t.Table.QualifiedName, t => t.Distance);
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["public.users"] = 0, ["public.audit_log"] = 1, ["public.messages"] = 1, ["public.orders"] = 1, ["public.profiles"] = 1,
                ["public.teams"] = 1, ["public.user_groups"] = 1, ["public.order_items"] = 2, ["public.shipments"] = 3,
            },
            distances);
        Assert.Equal(2, map.Find("public.messages")!.Edges.Count);
        Assert.Equal(["order_id", "line_no"], map.Find("public.shipments")!.Edges.Single().ChildColumns);
        Assert.Contains("[configured link]", map.Find("public.audit_log")!.Paths.Single(), StringComparison.Ordinal);
        Assert.Equal(["password_hash", "api_token"], map.Find("public.users")!.Redacted);
        var warning = Assert.Single(map.Warnings);
        Assert.StartsWith("public.page_views.user_id looks like a reference to public.users.id", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_export_keeps_types_holds_only_the_subjects_rows_and_no_redacted_value()
    {
        var (json, raw) = await ExportJsonAsync("1");
        var tables = json.GetProperty("tables");
        int Count(string table) => tables.GetProperty(table).GetArrayLength();
        Assert.Equal("1", json.GetProperty("subject").GetString());
        Assert.Equal((1, 1, 2, 3, 1, 2, 2, 1, 1), (Count("public.users"), Count("public.profiles"), Count("public.orders"), Count("public.order_items"), Count("public.shipments"), Count("public.user_groups"), Count("public.messages"), Count("public.audit_log"), Count("public.teams")));

        // Subject 2 shares messages, groups and teams: none of its own rows appear.
        Assert.All(tables.GetProperty("public.orders").EnumerateArray(), o => Assert.Equal(1, o.GetProperty("user_id").GetInt32()));
        Assert.All(tables.GetProperty("public.user_groups").EnumerateArray(), o => Assert.Equal(1, o.GetProperty("user_id").GetInt32()));
        Assert.All(tables.GetProperty("public.messages").EnumerateArray(), m => Assert.True(m.GetProperty("sender_id").GetInt32() == 1 || m.GetProperty("recipient_id").GetInt32() == 1));
        Assert.DoesNotContain(tables.GetProperty("public.messages").EnumerateArray(), m => m.GetProperty("body").GetString() == "note to self");
        Assert.Equal(["DHL"], tables.GetProperty("public.shipments").EnumerateArray().Select(s => s.GetProperty("carrier").GetString()));
        Assert.Equal(["login"], tables.GetProperty("public.audit_log").EnumerateArray().Select(s => s.GetProperty("action").GetString()));

        var user = tables.GetProperty("public.users")[0];
        Assert.Equal(JsonValueKind.Number, user.GetProperty("id").ValueKind);
        Assert.Equal(12.50m, user.GetProperty("score").GetDecimal());
        Assert.Equal(JsonValueKind.True, user.GetProperty("active").ValueKind);
        Assert.Equal(ExportFixtures.AwkwardName, user.GetProperty("display_name").GetString());
        Assert.Equal("dark", user.GetProperty("settings").GetProperty("theme").GetString());
        Assert.Equal(["x", "y"], user.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Convert.ToBase64String([1, 2, 3]), user.GetProperty("avatar").GetString());
        Assert.Equal("1990-05-17", user.GetProperty("birthday").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", user.GetProperty("created_at").GetString()!);
        Assert.Equal("2021-01-01T10:00:00Z", tables.GetProperty("public.orders")[0].GetProperty("placed_at").GetString());
        Assert.False(user.TryGetProperty("password_hash", out _));
        Assert.False(user.TryGetProperty("api_token", out _));
        Assert.DoesNotContain(ExportFixtures.Secret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-a", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_zip_survives_an_independent_parser_neutralises_formulas_and_lists_row_counts()
    {
        var path = await ExportToFileAsync("1", "csv", "export.zip");

        using var zip = ZipFile.OpenRead(path);
        Assert.Contains(zip.Entries, e => e.FullName == "public.users.csv");
        var manifest = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open()).RootElement;
        Assert.Equal(3, manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("table").GetString() == "public.order_items").GetProperty("rows").GetInt64());
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            Assert.DoesNotContain(ExportFixtures.Secret, await reader.ReadToEndAsync(), StringComparison.Ordinal);
        }

        zip.GetEntry("public.users.csv")!.ExtractToFile(Path.Combine(_harness.Root, "users.csv"));
        var rows = await PythonCsv.ReadAsync(Path.Combine(_harness.Root, "users.csv"));
        Assert.Equal(2, rows.Count);
        var header = rows[0];
        Assert.DoesNotContain("password_hash", header);
        Assert.Equal("'" + ExportFixtures.AwkwardName, rows[1][header.IndexOf("display_name")]);
        Assert.Equal("12.50", rows[1][header.IndexOf("score")]);
        Assert.Equal("true", rows[1][header.IndexOf("active")]);
        Assert.Equal("1", rows[1][header.IndexOf("team_id")]);
    }

    [Fact]
    public async Task The_pdf_report_has_the_summary_retention_unicode_text_and_page_numbers()
    {
        var path = await ExportToFileAsync("1", "pdf", "export.pdf");

        var text = await PdfText.ExtractAsync(path);
        Assert.Contains("Personal data export: public.users 1", text, StringComparison.Ordinal);
        Assert.Contains("Summary", text, StringComparison.Ordinal);
        Assert.Contains("public.order_items", text, StringComparison.Ordinal);
        Assert.Contains("Élodie", text, StringComparison.Ordinal);
        Assert.Contains("Zoë", text, StringComparison.Ordinal);
        Assert.Contains("Page 1 of", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ExportFixtures.Secret, text, StringComparison.Ordinal);
        Assert.Contains(File.Exists("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf") ? "日本語" : "□□□", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_subject_or_a_key_of_the_wrong_type_is_a_clear_error()
    {
        var missing = await Assert.ThrowsAsync<SubjectNotFoundException>(() => Exports.OpenAsync("999"));
        Assert.Contains("No subject public.users.id = '999'", missing.Message, StringComparison.Ordinal);
        var wrong = await Assert.ThrowsAnyAsync<DataGuardException>(() => Exports.OpenAsync("not-a-number"));
        Assert.Contains("is not a valid integer", wrong.Message, StringComparison.Ordinal);
    }

    private async Task<string> ExportToFileAsync(string subject, string format, string name)
    {
        var path = Path.Combine(_harness.Root, name);
        Directory.CreateDirectory(_harness.Root);
        await using var snapshot = await Exports.OpenAsync(subject);
        await using var file = File.Create(path);
        await snapshot.WriteAsync(Exports.Format(format), file);
        return path;
    }

    private async Task<(JsonElement Json, string Raw)> ExportJsonAsync(string subject)
    {
        using var buffer = new MemoryStream();
        await using (var snapshot = await Exports.OpenAsync(subject))
        {
            await snapshot.WriteAsync(Exports.Format("json"), buffer);
        }

        var raw = Encoding.UTF8.GetString(buffer.ToArray());
        return (JsonDocument.Parse(raw).RootElement, raw);
    }
}
