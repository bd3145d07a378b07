using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using V1 = Shop.V1;
using V2 = Shop.V2;

namespace DataGuard.EntityFrameworkCore.Tests;

/// <summary>
/// Two releases of one application: release 1 knows one EF Core migration, release 2 three. Release 2 applies its
/// three through DataGuard; the CLI, with the connection string alone, rolls back to the first from the ledger; release 1
/// then finds nothing pending and works; release 2 applies again. The schema is compared with pg_dump at each step.
/// </summary>
public sealed class EfMigrationTests
{
    private const string M1 = "20261130104523_CreateCustomers";
    private const string M2 = "20261130104556_AddCustomerEmail";
    private const string M3 = "20261130104634_CreateOrders";

    [Fact]
    public async Task Release_2_applies_the_CLI_rolls_back_from_the_ledger_alone_release_1_works_and_release_2_applies_again()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var reference = await TestPostgres.CreateDatabaseAsync();

        // The schema release 1 expects: its own migration applied on an empty database.
        await using (var v1Reference = EfHost.Build<V1.ShopContext>(reference, "shop 1.0"))
        {
            Assert.Equal(["CreateCustomers"], (await v1Reference.ApplyMigrationsAsync<V1.ShopContext>()).Steps.Select(s => s.Title));
        }

        var release1Schema = await EfHost.SchemaAsync(reference);

        // Release 2 applies its three migrations, and writes into what release 1 does not have.
        await using (var v2 = EfHost.Build<V2.ShopContext>(database, "shop 2.0"))
        {
            var result = await v2.ApplyMigrationsAsync<V2.ShopContext>();
            Assert.Equal(["CreateCustomers", "AddCustomerEmail", "CreateOrders"], result.Steps.Select(s => s.Title));
            Assert.All(result.Steps, s => Assert.Equal("in-transaction", s.Transaction));
            await using var scope = v2.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<V2.ShopContext>();
            var ada = new V2.Customer { Name = "Ada", Email = "ada@example.org" };
            context.Customers.Add(ada);
            context.Customers.Add(new V2.Customer { Name = "Alan" });
            context.Orders.Add(new V2.Order { Customer = ada, Total = 12.5m });
            await context.SaveChangesAsync();
        }

        Assert.Equal([M1, M2, M3], await EfHost.HistoryAsync(database));
        var release2Schema = await EfHost.SchemaAsync(database);
        Assert.Contains("email", release2Schema, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE public.orders", release2Schema, StringComparison.Ordinal);

        // The ledger holds both scripts; EF's history row is written once, by EF's own generated SQL.
        foreach (var id in new[] { M1, M2, M3 })
        {
            Assert.Equal(1, await EfHost.ScalarAsync<int>(database, $"SELECT array_length(regexp_split_to_array(up_script, 'INSERT INTO \"__EFMigrationsHistory\"'), 1) - 1 FROM dataguard.migrations WHERE source_kind = 'efcore' AND source_id = '{id}'"));
            Assert.Equal(1, await EfHost.ScalarAsync<int>(database, $"SELECT array_length(regexp_split_to_array(down_script, 'DELETE FROM \"__EFMigrationsHistory\"'), 1) - 1 FROM dataguard.migrations WHERE source_kind = 'efcore' AND source_id = '{id}' AND up_sha256 = encode(sha256(convert_to(up_script, 'UTF8')), 'hex') AND down_sha256 = encode(sha256(convert_to(down_script, 'UTF8')), 'hex')"));
        }

        Assert.Equal(1L, await EfHost.ScalarAsync<long>(database, $"SELECT count(*) FROM dataguard.migrations WHERE source_id = '{M2}' AND down_script LIKE '%DROP COLUMN email%'"));

        // The CLI, with nothing but the connection string: status, the plan (with the data at risk), the rollback.
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { database.ConnectionString } });
        var status = await cli.RunAsync("migrate", "status", "--config", config);
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Contains(M3, status.Output, StringComparison.Ordinal);
        Assert.Contains("in step with the ledger", status.Output, StringComparison.Ordinal);

        var plan = await cli.RunAsync("migrate", "plan", "down", "--to", M1, "--config", config);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Contains("DATA AT RISK: drops table orders: 1 row(s) in it would be lost", plan.Output, StringComparison.Ordinal);
        Assert.Contains("DATA AT RISK: drops column customers.email: 1 row(s) with a value would be lost", plan.Output, StringComparison.Ordinal);
        Assert.True(plan.Output.IndexOf("down 20261130104634 CreateOrders", StringComparison.Ordinal) < plan.Output.IndexOf("down 20261130104556 AddCustomerEmail", StringComparison.Ordinal), plan.Output);
        Assert.Equal([M1, M2, M3], await EfHost.HistoryAsync(database));

        var down = await cli.RunAsync("migrate", "down", "--to", M1, "--config", config);
        Assert.True(down.ExitCode == 0, down.All);
        Assert.Contains("2 migration(s) rolled back", down.Output, StringComparison.Ordinal);
        Assert.Equal([M1], await EfHost.HistoryAsync(database));
        Assert.Equal(release1Schema, await EfHost.SchemaAsync(database));

        // Release 1 starts: EF itself sees nothing pending, DataGuard applies nothing, and the schema works.
        await using (var v1 = EfHost.Build<V1.ShopContext>(database, "shop 1.0"))
        {
            await using var scope = v1.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<V1.ShopContext>();
            Assert.Empty(await context.Database.GetPendingMigrationsAsync());
            Assert.False(context.Database.HasPendingModelChanges());
            Assert.Empty((await v1.ApplyMigrationsAsync<V1.ShopContext>()).Steps);
            context.Customers.Add(new V1.Customer { Name = "Grace" });
            await context.SaveChangesAsync();
            Assert.Equal(["Ada", "Alan", "Grace"], await context.Customers.OrderBy(c => c.Id).Select(c => c.Name).ToListAsync());
        }

        var afterRollback = await cli.RunAsync("migrate", "status", "--config", config);
        Assert.True(afterRollback.ExitCode == 0, afterRollback.All);
        Assert.Contains("rolledback", afterRollback.Output, StringComparison.Ordinal);

        // Release 2 is deployed again: its two migrations apply again, and the schema is release 2's.
        await using (var v2 = EfHost.Build<V2.ShopContext>(database, "shop 2.0"))
        {
            Assert.Equal(["AddCustomerEmail", "CreateOrders"], (await v2.ApplyMigrationsAsync<V2.ShopContext>()).Steps.Select(s => s.Title));
        }

        Assert.Equal([M1, M2, M3], await EfHost.HistoryAsync(database));
        Assert.Equal(release2Schema, await EfHost.SchemaAsync(database));

        // --steps and --to 0 work from the ledger alone too; EF's history follows.
        var one = await cli.RunAsync("migrate", "down", "--steps", "1", "--config", config);
        Assert.True(one.ExitCode == 0, one.All);
        Assert.Equal([M1, M2], await EfHost.HistoryAsync(database));
        var all = await cli.RunAsync("migrate", "down", "--to", "0", "--config", config);
        Assert.True(all.ExitCode == 0, all.All);
        Assert.Empty(await EfHost.HistoryAsync(database));
        Assert.Equal(0L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('customers', 'orders')"));
    }

    [Fact]
    public async Task A_down_that_fails_stops_with_the_version_and_the_original_error_and_changes_nothing()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using (var v2 = EfHost.Build<V2.ShopContext>(database, "shop 2.0"))
        {
            await v2.ApplyMigrationsAsync<V2.ShopContext>();
        }

        // Something outside the migrations depends on the orders table: dropping it fails.
        await database.ExecuteAsync("CREATE VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id");
        var before = await EfHost.SchemaAsync(database);
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { database.ConnectionString } });
        var down = await cli.RunAsync("migrate", "down", "--to", "0", "--config", config);
        Assert.NotEqual(0, down.ExitCode);
        Assert.Contains("20261130104634", down.Error, StringComparison.Ordinal);
        Assert.Contains("CreateOrders", down.Error, StringComparison.Ordinal);
        Assert.Contains("cannot drop table orders because other objects depend on it", down.Error, StringComparison.Ordinal);
        Assert.Equal([M1, M2, M3], await EfHost.HistoryAsync(database));
        Assert.Equal(before, await EfHost.SchemaAsync(database));
        Assert.Equal(3L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM dataguard.migrations WHERE state = 'applied'"));
    }

    [Fact]
    public async Task A_second_host_applying_at_the_same_time_waits_on_the_lock_and_then_finds_nothing_to_do()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var first = EfHost.Build<V2.ShopContext>(database, "shop 2.0 host A");
        await using var second = EfHost.Build<V2.ShopContext>(database, "shop 2.0 host B");

        // Hold the migration lock, start both hosts, and check that both wait for it.
        await using var holder = await MigrationLock.AcquireAsync(
            first.GetRequiredService<DataGuard.Postgres.DataGuardDataSource>(), "test holder", TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);
        var a = Task.Run(() => first.ApplyMigrationsAsync<V2.ShopContext>());
        var b = Task.Run(() => second.ApplyMigrationsAsync<V2.ShopContext>());
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(a.IsCompleted || b.IsCompleted, "a host did not wait for the migration lock");
        Assert.Empty(await EfHost.HistoryAsync(database).ContinueWith(t => t.IsFaulted ? [] : t.Result));
        await holder.CloseAsync();

        var results = await Task.WhenAll(a, b);
        Assert.Equal([0, 3], results.Select(r => r.Steps.Count).Order());
        Assert.Equal([M1, M2, M3], await EfHost.HistoryAsync(database));
        Assert.Equal(3L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM dataguard.migration_history WHERE direction = 'up' AND outcome = 'succeeded'"));
    }
}
