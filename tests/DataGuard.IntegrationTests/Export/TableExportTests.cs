using System.Text;
using System.Text.Json;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Export;

public sealed class TableExportTests : IAsyncLifetime
{
    private ExportHarness _harness = null!;

    private TableExports Tables => _harness.Services.GetRequiredService<TableExports>();

    public async Task InitializeAsync() => _harness = await ExportHarness.CreateAsync();

    public Task DisposeAsync() => _harness.DisposeAsync().AsTask();

    [Fact]
    public async Task Csv_of_a_table_without_redacted_columns_is_postgresql_s_own_copy_csv()
    {
        using var exported = new MemoryStream();
        Assert.Empty(await Tables.ExportAsync("public.orders", "csv", exported));
        await using var connection = new NpgsqlConnection(_harness.Database.ConnectionString);
        await connection.OpenAsync();
        await using (var utc = new NpgsqlCommand("SET TimeZone = 'UTC'", connection))
        {
            await utc.ExecuteNonQueryAsync();
        }

        using var copy = await connection.BeginTextExportAsync("COPY public.orders TO STDOUT (FORMAT csv, HEADER)");
        var direct = await copy.ReadToEndAsync();
        Assert.Equal(4, direct.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(direct, Encoding.UTF8.GetString(exported.ToArray()));
    }

    [Fact]
    public async Task Redacted_columns_go_through_csvhelper_and_awkward_text_round_trips_unchanged()
    {
        var path = Path.Combine(_harness.Root, "users.csv");
        Directory.CreateDirectory(_harness.Root);
        await using (var file = File.Create(path))
        {
            Assert.Equal(["password_hash", "api_token"], await Tables.ExportAsync("public.users", "csv", file));
        }

        Assert.DoesNotContain(ExportFixtures.Secret, await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        var rows = await PythonCsv.ReadAsync(path);
        Assert.Equal(3, rows.Count);
        var id = rows[0].IndexOf("id");
        Assert.Equal(ExportFixtures.AwkwardName, rows.Single(r => r[id] == "1")[rows[0].IndexOf("display_name")]);
        Assert.Equal(string.Empty, rows.Single(r => r[id] == "2")[rows[0].IndexOf("birthday")]);

        using var all = new MemoryStream();
        Assert.Empty(await Tables.ExportAsync("public.users", "csv", all, redact: false));
        Assert.Contains(ExportFixtures.Secret, Encoding.UTF8.GetString(all.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ndjson")]
    [InlineData("json")]
    public async Task Json_formats_keep_types(string format)
    {
        using var exported = new MemoryStream();
        await Tables.ExportAsync("public.users", format, exported);
        var text = Encoding.UTF8.GetString(exported.ToArray());
        var rows = format == "ndjson"
            ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList()
            : JsonDocument.Parse(text).RootElement.GetProperty("tables").GetProperty("public.users").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(JsonValueKind.Object, rows.Single(r => r.GetProperty("id").GetInt32() == 1).GetProperty("settings").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows.Single(r => r.GetProperty("id").GetInt32() == 2).GetProperty("settings").ValueKind);
        Assert.DoesNotContain(ExportFixtures.Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tables_and_formats_are_clear_errors()
    {
        using var output = new MemoryStream();
        Assert.Contains("does not exist", (await Assert.ThrowsAsync<DataGuardException>(() => Tables.ExportAsync("public.nope", "csv", output))).Message, StringComparison.Ordinal);
        Assert.Contains("csv, json or ndjson", (await Assert.ThrowsAsync<DataGuardException>(() => Tables.ExportAsync("public.users", "xml", output))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subject_hold_keeps_every_row_the_map_links_to_the_subject_from_retention()
    {
        await using var harness = await ExportHarness.CreateAsync(more: services => services.Configure<RetentionOptions>(o =>
        {
            o.Policies.Add(new RetentionPolicyOptions { Name = "orders", Table = "public.orders", TimestampColumn = "placed_at", MaxAge = TimeSpan.FromDays(365) });
            o.Policies.Add(new RetentionPolicyOptions { Name = "items", Table = "public.order_items", TimestampColumn = "line_no", MaxAge = TimeSpan.FromDays(1) });
        }));
        var holds = harness.Services.GetRequiredService<LegalHolds>();
        var hold = await holds.PlaceSubjectAsync("1", "subject access dispute");
        Assert.Equal("subject", hold.Kind);
        await Assert.ThrowsAsync<DataGuard.Export.SubjectNotFoundException>(() => holds.PlaceSubjectAsync("77", "nobody"));

        var runner = harness.Services.GetRequiredService<RetentionRunner>();
        var ex = await Assert.ThrowsAsync<DataGuardException>(() => runner.RunAsync());
        Assert.Contains("'items'", ex.Message, StringComparison.Ordinal);
        harness.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RetentionOptions>>().Value.Policies.RemoveAt(1);

        // Orders 10 (user 1, 2021) and 20 (user 2, 2021) are expired; only user 2's goes, with its items (cascade).
        var result = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Equal((1L, 1L), (result.RowsAffected, result.RowsHeld));
        Assert.Equal(["10", "11"], await ColumnAsync<string>(harness.Database.ConnectionString, "SELECT id::text FROM orders ORDER BY id"));
        Assert.Equal(3, await CountAsync(harness.Database.ConnectionString, "SELECT count(*) FROM order_items"));
        using var cli = new DataGuard.IntegrationTests.Cli.CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { harness.Database.ConnectionString }, Storage = new { FileSystem = new { Root = harness.Root } } });
        Assert.Contains("subject public.users.id = '1' and every row linked to it", (await cli.RunAsync("hold", "list", "--config", config)).Output, StringComparison.Ordinal);
    }
}
