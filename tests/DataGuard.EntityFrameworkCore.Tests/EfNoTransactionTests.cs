using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using NoTransaction = Shop.NoTransaction;

namespace DataGuard.EntityFrameworkCore.Tests;

/// <summary>A migration EF Core runs outside a transaction is applied and rolled back like a no-transaction file.</summary>
public sealed class EfNoTransactionTests
{
    [Fact]
    public async Task A_migration_with_suppressed_transaction_runs_outside_one_and_rolls_back_from_the_ledger()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using (var host = EfHost.Build<NoTransaction.ShopContext>(database, "shop no-tx"))
        {
            var steps = (await host.ApplyMigrationsAsync<NoTransaction.ShopContext>()).Steps;
            Assert.Equal([("CreateCustomers", "in-transaction"), ("CommentCustomers", "no-transaction")], steps.Select(s => (s.Title, s.Transaction)));
        }

        Assert.Equal("the shop's customers", await EfHost.ScalarAsync<string>(database, "SELECT obj_description('customers'::regclass, 'pg_class')"));
        Assert.True(await EfHost.ScalarAsync<bool>(database, "SELECT no_transaction FROM dataguard.migrations WHERE source_id = '20261130110000_CommentCustomers' AND state = 'applied'"));

        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Postgres = new { database.ConnectionString } });
        var down = await cli.RunAsync("migrate", "down", "--config", config);
        Assert.True(down.ExitCode == 0, down.All);
        Assert.Contains("rolled back  20261130110000 CommentCustomers (no-transaction)", down.Output, StringComparison.Ordinal);
        Assert.Equal(["20261130104523_CreateCustomers"], await EfHost.HistoryAsync(database));
        Assert.Equal(0L, await EfHost.ScalarAsync<long>(database, "SELECT count(*) FROM pg_description WHERE objoid = 'customers'::regclass"));
    }
}
