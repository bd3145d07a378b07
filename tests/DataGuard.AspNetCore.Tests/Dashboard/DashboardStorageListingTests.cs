using System.Net;
using DataGuard.AspNetCore.Tests.Infrastructure;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>A dashboard page lists the WAL archive once per load (health check, status report and page share the listing), not once per part.</summary>
public sealed class DashboardStorageListingTests
{
    [Fact]
    public async Task One_overview_load_lists_the_wal_archive_once_and_a_later_load_lists_it_again()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(
            database,
            app => app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operators"),
            configuration: DashboardSeed.Configuration,
            services: CountingStorage.Decorate);
        await DashboardSeed.SeedAsync(host, database);
        var storage = host.Services.GetRequiredService<CountingStorage>();
        Assert.Same(storage, host.Services.GetRequiredService<IBackupStorage>());
        using var http = host.Client("ops", "operator");

        // Let whatever the seeding listed age out first.
        await Task.Delay(TimeSpan.FromSeconds(6));
        storage.Listings.Clear();
        var overview = await http.GetAsync("/dataguard/");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Contains("PITR window", await overview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(storage.CountOf(StorageLayout.Wal) == 1, "WAL listings for one overview load: " + string.Join(", ", storage.Listings));

        // The PITR page (gaps with their times) right after: the same listing.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dataguard/pitr")).StatusCode);
        Assert.Equal(1, storage.CountOf(StorageLayout.Wal));

        // The listing is shared for a few seconds only: a later load sees the archive as it is then.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dataguard/api/overview")).StatusCode);
        Assert.Equal(2, storage.CountOf(StorageLayout.Wal));
    }
}
