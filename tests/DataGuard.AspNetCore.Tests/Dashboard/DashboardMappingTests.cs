using System.Net;
using DataGuard.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>MapDataGuardDashboard refuses to map without a policy; AllowAnonymous works in Development only, with a warning.</summary>
public sealed class DashboardMappingTests
{
    [Fact]
    public async Task It_refuses_to_map_without_an_authorization_policy()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard")));
        Assert.Contains("refuses to map the dashboard without an authorization policy", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DataGuard:Dashboard:AllowAnonymous", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowAnonymous_outside_Development_is_refused_without_a_policy_and_ignored_with_one()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        var settings = new Dictionary<string, string?> { ["DataGuard:Dashboard:AllowAnonymous"] = "true" };
        await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard"), "Production", settings));

        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operators"), "Staging", settings);
        using var anonymous = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dataguard")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dataguard/api/overview")).StatusCode);
        Assert.Contains(host.Logs.Messages, m => m.Level == LogLevel.Warning && m.Id.Id == 1901 && m.Message.Contains("Staging", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_Development_AllowAnonymous_serves_the_dashboard_without_signing_in_and_warns()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await database.InstallDataGuardSchemaAsync();
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard"), "Development", new Dictionary<string, string?> { ["DataGuard:Dashboard:AllowAnonymous"] = "true" });
        using var anonymous = host.Client();

        var page = await anonymous.GetAsync("/dataguard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dataguard/api/backups")).StatusCode);
        Assert.Contains(host.Logs.Messages, m => m.Level == LogLevel.Warning && m.Id.Id == 1900 && m.Message.Contains("WITHOUT authorization", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_typo_under_DataGuard_Dashboard_fails_start_up()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(database, app => app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operators"), "Production", new Dictionary<string, string?> { ["DataGuard:Dashboard:AllowAnonymus"] = "true" }));
        Assert.Contains("DataGuard:Dashboard:AllowAnonymus is not a DataGuard option; did you mean AllowAnonymous?", failed.Message, StringComparison.Ordinal);
    }
}
