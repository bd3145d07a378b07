using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using V1 = Shop.V1;
using V2 = Shop.V2;

namespace DataGuard.EntityFrameworkCore.Tests;

/// <summary>Rehearsal of pending EF Core migrations on a scratch copy: up, down, up; the database itself unchanged.</summary>
public sealed class EfRehearsalTests
{
    [Fact]
    public async Task Pending_migrations_are_rehearsed_on_a_scratch_copy_and_recorded_for_the_rollback_estimate()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using (var v1 = EfHost.Build<V1.ShopContext>(database, "shop 1.0"))
        {
            await v1.ApplyMigrationsAsync<V1.ShopContext>();
        }

        var before = await EfHost.SchemaAsync(database);
        await using var v2 = EfHost.Build<V2.ShopContext>(database, "shop 2.0");
        Assert.Equal(["20261130104556_AddCustomerEmail", "20261130104634_CreateOrders"], await v2.RehearseMigrationsAsync<V2.ShopContext>());

        Assert.Equal(before, await EfHost.SchemaAsync(database));
        Assert.Equal(["20261130104523_CreateCustomers"], await EfHost.HistoryAsync(database));
        Assert.Equal(2L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM dataguard.migration_history WHERE direction = 'rehearse' AND version IN (20261130104556, 20261130104634)"));
        Assert.Equal(0L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dataguard_rehearse_%'"));

        // Applied for real afterwards, the rollback plan estimates its duration from the rehearsal.
        await v2.ApplyMigrationsAsync<V2.ShopContext>();
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { database.ConnectionString } });
        var plan = await cli.RunAsync("migrate", "plan", "down", "--to", "20261130104523_CreateCustomers", "--config", config);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Contains("Estimated duration from recorded runs and rehearsals", plan.Output, StringComparison.Ordinal);
    }
}
