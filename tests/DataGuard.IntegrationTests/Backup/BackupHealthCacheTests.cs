using DataGuard.Backup;
using DataGuard.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataGuard.IntegrationTests.Backup;

public sealed class BackupHealthCacheTests
{
    [Fact]
    public async Task The_health_check_reuses_its_catalog_for_a_while_but_a_backup_in_this_process_refreshes_it()
    {
        // Another replica backs up: while this host's cached catalog is fresh it does not see it (a long cache here, so
        // that how long the backup takes on a loaded machine cannot age it out)...
        await using var harness = await BackupHarness.CreateAsync(configure: o => o.Backup.HealthCatalogCacheDuration = TimeSpan.FromHours(1));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(harness.Services));
        await using (var replica = harness.CreateReplica())
        {
            await replica.GetRequiredService<BackupService>().RunAsync();
        }

        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(harness.Services));

        // ...and sees it once its cached catalog is older than the cache duration.
        await using var expiring = await BackupHarness.CreateAsync(configure: o => o.Backup.HealthCatalogCacheDuration = TimeSpan.FromSeconds(3));
        await SampleData.SeedAsync(expiring.Database.ConnectionString, users: 10);
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(expiring.Services));
        await using (var replica = expiring.CreateReplica())
        {
            await replica.GetRequiredService<BackupService>().RunAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(expiring.Services));

        // A backup in this process refreshes it at once, even with a long cache duration.
        await using var strict = await BackupHarness.CreateAsync(configure: o => o.Backup.HealthCatalogCacheDuration = TimeSpan.FromHours(1));
        await SampleData.SeedAsync(strict.Database.ConnectionString, users: 10);
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync(strict.Services));
        await strict.Backups.RunAsync();
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(strict.Services));
    }

    private static async Task<HealthStatus> HealthAsync(IServiceProvider services) =>
        (await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == BackupHealthCheck.Name)).Status;
}
