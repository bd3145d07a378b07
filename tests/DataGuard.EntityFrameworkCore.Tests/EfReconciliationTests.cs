using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using V1 = Shop.V1;
using V2 = Shop.V2;

namespace DataGuard.EntityFrameworkCore.Tests;

/// <summary>Migrations EF Core applied by itself, seen by <c>migrate status</c> and adopted into the ledger; a model with pending changes.</summary>
public sealed class EfReconciliationTests
{
    private const string M1 = "20261130104523_CreateCustomers";

    [Fact]
    public async Task Status_shows_what_dotnet_ef_applied_outside_the_ledger_and_adopt_records_it_with_a_down_script()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();

        // Someone ran 'dotnet ef database update' with release 1: EF's history has M1, the ledger has nothing.
        await using (var v1 = EfHost.Build<V1.ShopContext>(database, "shop 1.0"))
        {
            await using var scope = v1.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<V1.ShopContext>().Database.MigrateAsync();
        }

        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { database.ConnectionString } });
        var status = await cli.RunAsync("migrate", "status", "--config", config);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"applied by EF, not in the ledger: {M1}", status.Output, StringComparison.Ordinal);
        Assert.Contains("NOT in step", status.Output, StringComparison.Ordinal);

        // Release 2 applies what is pending for EF (M2, M3) and leaves M1 to adoption.
        await using var v2 = EfHost.Build<V2.ShopContext>(database, "shop 2.0");
        Assert.Equal(["AddCustomerEmail", "CreateOrders"], (await v2.ApplyMigrationsAsync<V2.ShopContext>()).Steps.Select(s => s.Title));
        Assert.Contains($"applied by EF, not in the ledger: {M1}", (await cli.RunAsync("migrate", "status", "--config", config)).Output, StringComparison.Ordinal);

        Assert.Equal([M1], await v2.AdoptMigrationsAsync<V2.ShopContext>());
        Assert.Empty(await v2.AdoptMigrationsAsync<V2.ShopContext>());
        var adopted = await cli.RunAsync("migrate", "status", "--config", config);
        Assert.True(adopted.ExitCode == 0, adopted.All);
        Assert.Contains("in step with the ledger", adopted.Output, StringComparison.Ordinal);
        Assert.Contains("EF Core, adopted", adopted.Output, StringComparison.Ordinal);
        Assert.Equal(1L, await EfHost.ScalarAsync<long>(database, $"SELECT count(*) FROM dataguard.migration_history WHERE direction = 'adopt' AND version = 20261130104523"));

        // The adopted migration rolls back from the ledger like the others.
        var down = await cli.RunAsync("migrate", "down", "--to", "0", "--config", config);
        Assert.True(down.ExitCode == 0, down.All);
        Assert.Empty(await EfHost.HistoryAsync(database));
        Assert.Equal(0L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory'"));
    }

    [Fact]
    public async Task A_model_with_pending_changes_is_reported_as_EF_reports_it_and_nothing_runs()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var other = await TestPostgres.CreateDatabaseAsync();
        await using var host = EfHost.Build<Shop.Drifted.ShopContext>(database, "drifted");
        var ours = await Assert.ThrowsAsync<InvalidOperationException>(() => host.ApplyMigrationsAsync<Shop.Drifted.ShopContext>());

        await using var efHost = EfHost.Build<Shop.Drifted.ShopContext>(other, "drifted");
        await using var scope = efHost.CreateAsyncScope();
        var efs = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<Shop.Drifted.ShopContext>().Database.MigrateAsync());

        Assert.Contains("PendingModelChangesWarning", ours.Message, StringComparison.Ordinal);
        Assert.Equal(efs.Message, ours.Message);
        Assert.Equal(0L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM pg_namespace WHERE nspname = 'dataguard'"));
    }
}
