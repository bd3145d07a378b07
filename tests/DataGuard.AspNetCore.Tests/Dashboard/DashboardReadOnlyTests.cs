using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataGuard.AspNetCore.Tests.Infrastructure;
using Npgsql;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>
/// The dashboard only reads: a GET never creates or upgrades DataGuard's schema. While the schema is missing or older
/// than this release, every page says so (and what to run) instead of migrating; once it is current, a role with
/// SELECT only sees every page.
/// </summary>
public sealed class DashboardReadOnlyTests
{
    private static readonly Dictionary<string, string?> NoWorkers = new()
    {
        ["DataGuard:Export:WorkerEnabled"] = "false",
    };

    [Fact]
    public async Task On_a_fresh_database_every_page_says_the_schema_is_not_installed_and_no_get_creates_it()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var role = await ReadOnlyRole.CreateAsync(database);

        // With the read-only role, then with the owner's role: neither GET creates anything.
        foreach (var connectionString in new[] { role.ConnectionString, database.ConnectionString })
        {
            await using var host = await StartAsync(database, connectionString);
            using var http = host.Client("ops", "operator");
            foreach (var page in DashboardTests.Pages)
            {
                var response = await http.GetAsync("/dataguard/" + page);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"/{page}: {(int)response.StatusCode} {body}");
                Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains("DataGuard&#x27;s schema is not installed", body, StringComparison.Ordinal);
                Assert.Contains("dataguard schema upgrade", body, StringComparison.Ordinal);
            }

            foreach (var api in DashboardTests.Apis)
            {
                var response = await http.GetAsync("/dataguard/api/" + api);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(JsonValueKind.Null, problem.GetProperty("installedVersion").ValueKind);
                Assert.Equal(Postgres.Schema.DataGuardSchema.Latest, problem.GetProperty("expectedVersion").GetInt32());
            }

            Assert.False(await database.ScalarAsync<bool>("SELECT to_regnamespace('dataguard') IS NOT NULL"), "a GET created the dataguard schema");
        }
    }

    [Fact]
    public async Task An_older_schema_is_reported_with_both_versions_and_left_as_it_is()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await database.InstallDataGuardSchemaAsync(Postgres.Schema.DataGuardSchema.Latest - 1);
        await using var host = await StartAsync(database, database.ConnectionString);
        using var http = host.Client("ops", "operator");

        var page = await http.GetAsync("/dataguard/");
        var body = await page.Content.ReadAsStringAsync();
        var api = await http.GetAsync("/dataguard/api/exports");

        Assert.True(page.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)page.StatusCode} {body}");
        Assert.Contains($"is at version {Postgres.Schema.DataGuardSchema.Latest - 1}, this release expects version {Postgres.Schema.DataGuardSchema.Latest}", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal(Postgres.Schema.DataGuardSchema.Latest - 1, (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("installedVersion").GetInt32());
        Assert.Equal(Postgres.Schema.DataGuardSchema.Latest - 1, await database.ScalarAsync<int>("SELECT max(version) FROM dataguard.schema_version"));
    }

    [Fact]
    public async Task With_a_current_schema_a_select_only_role_sees_every_page_without_errors()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await database.InstallDataGuardSchemaAsync();
        await using var role = await ReadOnlyRole.CreateAsync(database);
        await role.GrantDataGuardAsync();
        await using var host = await StartAsync(database, role.ConnectionString);
        using var http = host.Client("ops", "operator");

        foreach (var page in DashboardTests.Pages)
        {
            var response = await http.GetAsync("/dataguard/" + page);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{page}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        foreach (var api in new[] { "exports", "retention", "migrations" })
        {
            var json = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/" + api);
            Assert.True(json.GetProperty("problem").ValueKind == JsonValueKind.Null, $"{api}: {json.GetProperty("problem")}");
        }

        var overview = await http.GetFromJsonAsync<JsonElement>("/dataguard/api/overview");
        var export = overview.GetProperty("status").EnumerateArray().Single(s => s.GetProperty("part").GetString() == "export");
        Assert.True(export.GetProperty("state").GetString() == "ok", export.ToString());
    }

    private static Task<TestHost> StartAsync(TestDatabase database, string connectionString) =>
        TestHost.StartAsync(
            database,
            app => app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operators"),
            configuration: new Dictionary<string, string?>(NoWorkers) { ["DataGuard:Postgres:ConnectionString"] = connectionString });
}
