using DataGuard.AspNetCore.Tests.Infrastructure;

namespace DataGuard.AspNetCore.Tests.Dashboard;

/// <summary>One host with the dashboard (policy <c>operators</c>) and the export endpoints over seeded data, shared by a test class.</summary>
public sealed class SeededDashboard : IAsyncLifetime
{
    private TestDatabase? _database;
    private TestHost? _host;

    internal TestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(TestHost.Schema);
        _host = await TestHost.StartAsync(
            _database,
            app =>
            {
                app.MapDataGuardExports("/me/data-export");
                app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy = "operators");
            },
            configuration: DashboardSeed.Configuration);
        await DashboardSeed.SeedAsync(_host, _database);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
