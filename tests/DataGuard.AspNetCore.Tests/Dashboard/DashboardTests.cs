using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard over HTTP with seeded data: authorization, headers, and what each JSON API says.</summary>
public sealed class DashboardTests(SeededDashboard dashboard) : IClassFixture<SeededDashboard>
{
    public static readonly string[] Pages = [string.Empty, "backups", "pitr", "drills", "retention", "migrations", "exports"];

    public static readonly string[] Apis = ["overview", "backups", "pitr", "drills", "retention", "migrations", "exports"];

    [Fact]
    public async Task Every_page_and_api_needs_the_policy_and_sends_a_strict_Content_Security_Policy()
    {
        using var anonymous = dashboard.Host.Client();
        using var user = dashboard.Host.Client("1");
        using var operatorClient = dashboard.Host.Client("ops", "operator");
        foreach (var path in Pages.Select(p => "/dataguard/" + p).Concat(Apis.Select(a => "/dataguard/api/" + a)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync(path)).StatusCode);
            var response = await operatorClient.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.StartsWith("default-src 'none'; style-src 'sha256-", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var body = await response.Content.ReadAsStringAsync();
            if (path.Contains("/api/", StringComparison.Ordinal))
            {
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(JsonDocument.Parse(body).RootElement.TryGetProperty("generatedAt", out _));
            }
            else
            {
                Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
                Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(" style=", body, StringComparison.Ordinal);
                Assert.DoesNotContain("http://", body.Replace("http://www.w3.org", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
                Assert.DoesNotContain("https://", body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_json_api_reports_the_seeded_data()
    {
        using var http = dashboard.Host.Client("ops", "operator");

        var backups = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/backups");
        Assert.Equal(DashboardSeed.LogicalBackups + 2, backups.GetProperty("backups").GetArrayLength());
        var failures = backups.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("reason").GetString()!).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("verification failed: checksum mismatch", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("data without a manifest", StringComparison.Ordinal));
        Assert.Contains(backups.GetProperty("backups").EnumerateArray(), b => b.GetProperty("hoursSincePrevious").ValueKind == JsonValueKind.Number && b.GetProperty("hoursSincePrevious").GetDouble() > 70);

        // Statuses are spelled as in manifests and `dataguard backup list --json` ("Verified" before).
        var statuses = backups.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("status").GetString()!).ToHashSet();
        Assert.Subset(new HashSet<string> { "verified", "unverified", "verificationFailed" }, statuses);
        Assert.Contains("verified", statuses);
        Assert.Contains("verificationFailed", statuses);

        var pitr = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/pitr");
        Assert.True(pitr.GetProperty("enabled").GetBoolean());
        var gap = Assert.Single(pitr.GetProperty("gaps").EnumerateArray());
        Assert.Equal("000000010000000000000008", gap.GetProperty("firstMissing").GetString());
        Assert.True(gap.GetProperty("after").GetDateTimeOffset() < gap.GetProperty("before").GetDateTimeOffset());
        Assert.Equal(2, pitr.GetProperty("baseBackups").GetInt32());

        var drills = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/drills");
        Assert.Equal(DashboardSeed.Drills, drills.GetProperty("drills").GetArrayLength());
        Assert.Single(drills.GetProperty("drills").EnumerateArray(), d => !d.GetProperty("passed").GetBoolean());
        Assert.Equal(4 * 3600, drills.GetProperty("rtoTargetSeconds").GetDouble());

        var retention = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/retention");
        var runs = retention.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        var first = runs[1].GetProperty("policies")[0];
        Assert.Equal("audit-log", first.GetProperty("policy").GetString());
        Assert.Equal(20, first.GetProperty("rowsAffected").GetInt64());     // 30 old rows, user 2's 10 held
        Assert.Equal(10, first.GetProperty("rowsHeld").GetInt64());

        var migrations = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/migrations");
        Assert.Equal(3, migrations.GetProperty("ledger").GetArrayLength());
        var plan = migrations.GetProperty("lastDeploy");
        Assert.True(plan.GetProperty("possible").GetBoolean());
        var step = Assert.Single(plan.GetProperty("steps").EnumerateArray());
        Assert.Equal(3, step.GetProperty("version").GetInt64());
        Assert.Contains("DROP COLUMN due", step.GetProperty("script").GetString(), StringComparison.Ordinal);

        var exports = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/exports");
        Assert.Equal(DashboardSeed.Exports, exports.GetProperty("jobs").GetArrayLength());
        Assert.All(exports.GetProperty("jobs").EnumerateArray(), j => Assert.True(j.GetProperty("latencySeconds").GetDouble() < 300));
        Assert.InRange(exports.GetProperty("p95Seconds").GetDouble(), 0, 300);
        Assert.DoesNotContain("subject", exports.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var overview = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/overview");
        var lights = overview.GetProperty("lights").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("state").GetString()!);
        Assert.Equal(["RPO", "RTO", "PITR window", "Last drill", "WAL lag", "Export ready time"], lights.Keys);
        Assert.Equal("ok", lights["RTO"]);                 // the last drill restored in 525 s, within 4 h
        Assert.Equal("failing", lights["PITR window"]);    // the seeded archive has a gap
    }
}
