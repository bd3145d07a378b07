using DataGuard.IntegrationTests.Cli;

namespace DataGuard.IntegrationTests.Export;

public sealed class ExportCommandTests
{
    [Fact]
    public async Task The_command_line_maps_exports_subjects_and_tables_and_queues_jobs()
    {
        await using var harness = await ExportHarness.CreateAsync();
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new
        {
            Postgres = new { harness.Database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Export = new { Subject = new { Table = "public.users", Key = "id" }, RateLimit = "00:00:00" },
        });

        var doctor = await cli.RunAsync("doctor", "--config", config);
        Assert.True(doctor.ExitCode == 0, doctor.All);
        Assert.True(doctor.Output.Contains("subject public.users.id: 8 tables", StringComparison.Ordinal), doctor.Output);
        Assert.Contains("may create their scratch database", doctor.Output, StringComparison.Ordinal);
        using var brokenCli = new CliRunner();
        var broken = brokenCli.WriteConfig(new
        {
            Postgres = new { harness.Database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Retention = new { Policies = new[] { new { Name = "typo", Table = "public.orderz", TimestampColumn = "placed_at", MaxAge = "30.00:00:00" } } },
        });
        var failing = await brokenCli.RunAsync("doctor", "--config", broken);
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("Retention policy 'typo': the table public.orderz does not exist", failing.Output, StringComparison.Ordinal);

        var map = await cli.RunAsync("export", "map", "--config", config);
        Assert.True(map.ExitCode == 0, map.All);
        Assert.Contains("public.shipments", map.Output, StringComparison.Ordinal);
        Assert.Contains("redacted: password_hash, api_token", map.Output, StringComparison.Ordinal);
        Assert.Contains("WARNING: public.audit_log.user_id looks like a reference", map.Output, StringComparison.Ordinal);
        Assert.Contains("PROBABLE LINK: public.audit_log.user_id (integer): 1 rows for sample subject 1", map.Output, StringComparison.Ordinal);
        Assert.Contains("PROBABLE LINK: public.page_views.user_id (integer): 1 rows for sample subject 1", map.Output, StringComparison.Ordinal);
        Assert.Contains("public.audit_log.user_id (1 rows for a sample subject)", doctor.Output, StringComparison.Ordinal);

        var json = await cli.RunAsync("export", "map", "--json", "--sample", "2", "--config", config);
        Assert.True(json.ExitCode == 0, json.All);
        var document = System.Text.Json.JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal("2", document.GetProperty("sample").GetString());
        var probable = document.GetProperty("probableLinks").EnumerateArray().ToDictionary(p => $"{p.GetProperty("table").GetString()}.{p.GetProperty("column").GetString()}", p => p.GetProperty("sampleRows").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["public.audit_log.user_id"] = 2, ["public.page_views.user_id"] = 1 }, probable);
        var coverage = document.GetProperty("coverage").EnumerateArray().ToDictionary(c => c.GetProperty("table").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("probable-link", coverage["public.page_views"]);
        Assert.Equal("included", coverage["public.shipments"]);
        Assert.Equal("not-linked", coverage["public.groups"]);

        var pdf = Path.Combine(cli.Folder, "user-1.pdf");
        var subject = await cli.RunAsync("export", "subject", "1", "--format", "pdf", "--out", pdf, "--config", config);
        Assert.True(subject.ExitCode == 0, subject.All);
        Assert.StartsWith("%PDF", await File.ReadAllTextAsync(pdf), StringComparison.Ordinal);

        var missing = await cli.RunAsync("export", "subject", "999", "--out", Path.Combine(cli.Folder, "none.json"), "--config", config);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No subject public.users.id = '999'", missing.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(cli.Folder, "none.json")));

        var csv = Path.Combine(cli.Folder, "orders.csv");
        var table = await cli.RunAsync("export", "table", "public.orders", "--format", "csv", "--out", csv, "--config", config);
        Assert.True(table.ExitCode == 0, table.All);
        Assert.StartsWith("id,user_id,total,placed_at", await File.ReadAllTextAsync(csv), StringComparison.Ordinal);

        var request = await cli.RunAsync("export", "request", "2", "--format", "json", "--config", config);
        Assert.True(request.ExitCode == 0, request.All);
        var id = request.Output.Split(' ')[1];
        var status = await cli.RunAsync("export", "status", id, "--config", config);
        Assert.Contains($"{id}: pending", status.Output, StringComparison.Ordinal);
        Assert.Contains("1 pending", (await cli.RunAsync("export", "list", "--config", config)).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_request_records_the_subject_key_as_postgres_spells_it_so_every_spelling_shares_the_rate_limit()
    {
        await using var harness = await ExportHarness.CreateAsync();
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new
        {
            Postgres = new { harness.Database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Export = new { Subject = new { Table = "public.users", Key = "id" }, RateLimit = "01:00:00", WorkerEnabled = false },
        });

        var first = await cli.RunAsync("export", "request", "01", "--format", "json", "--json", "--config", config);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains("\"subject\": \"1\"", first.Output, StringComparison.Ordinal);

        // "1" and "+1" are the same integer: the same subject, so the same rate limit.
        foreach (var spelling in new[] { "1", "+1", " 1" })
        {
            var again = await cli.RunAsync("export", "request", spelling, "--format", "json", "--config", config);
            Assert.True(again.ExitCode != 0, $"'{spelling}' was queued: {again.All}");
            Assert.Contains("try again after", again.Error, StringComparison.Ordinal);
        }

        // Not an integer: a clear refusal naming the key's type, not a crash.
        var invalid = await cli.RunAsync("export", "request", "abc", "--config", config);
        Assert.True(invalid.ExitCode != 0, invalid.All);
        Assert.Contains("is not a valid integer", invalid.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", invalid.All, StringComparison.OrdinalIgnoreCase);
    }
}
