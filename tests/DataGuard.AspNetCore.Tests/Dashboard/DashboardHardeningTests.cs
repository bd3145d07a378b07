using System.Net;
using System.Text.RegularExpressions;
using DataGuard.AspNetCore.Tests.Infrastructure;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard's mapping against a hostile review: links at the root, misspelled policies.</summary>
public sealed class DashboardHardeningTests
{
    [Fact]
    public async Task Mapped_at_the_root_its_links_stay_on_this_host()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await database.InstallDataGuardSchemaAsync();
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/", o => o.AuthorizationPolicy = "operators"));
        using var op = host.Client("9", "operator");

        foreach (var page in new[] { "/", "/backups", "/exports" })
        {
            var response = await op.GetAsync(page);
            var html = await response.Content.ReadAsStringAsync();
            var links = Regex.Matches(html, "href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain(links, l => l.StartsWith("//", StringComparison.Ordinal));
            Assert.Contains("/backups", links);
            Assert.Contains("/", links);
            Assert.Contains(links, l => l.StartsWith("/api/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_misspelled_authorization_policy_fails_start_up_naming_it()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operatorz")));

        Assert.Contains("'operatorz'", error.Message, StringComparison.Ordinal);
    }
}
