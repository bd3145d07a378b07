using Microsoft.Extensions.DependencyInjection;
using DataGuard.Postgres.Export;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>Issue 18's case: pagila's payments, whose foreign keys to the customer exist on some partitions only.</summary>
public sealed class PagilaExportTests : IAsyncLifetime
{
    private ExportHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ExportHarness.CreateAsync(
        schema: PagilaFixture.Schema,
        configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "customer_id"));

    public Task DisposeAsync() => _harness.DisposeAsync().AsTask();

    [Fact]
    public async Task Payments_whose_foreign_keys_exist_on_some_partitions_only_are_all_exported_once_through_the_parent()
    {
        var export = await CoverageCheck.ExportJsonAsync(_harness, "1");

        var expected = await CoverageCheck.OracleAsync(_harness, "SELECT payment_id FROM public.payment WHERE customer_id = 1 OR rental_id IN (SELECT rental_id FROM public.rental WHERE customer_id = 1)");
        Assert.Equal(60, expected.Count);
        Assert.Equal(7, (await CoverageCheck.OracleAsync(_harness, "SELECT DISTINCT tableoid::regclass::text FROM public.payment WHERE customer_id = 1")).Count);
        Assert.Equal(expected, CoverageCheck.Exported(export, "public.payment", "payment_id"));
        Assert.All(export.GetProperty("tables").GetProperty("public.payment").EnumerateArray(), p => Assert.Equal(1, p.GetProperty("customer_id").GetInt32()));

        // No partition is exported on its own (its rows would appear twice).
        Assert.DoesNotContain(export.GetProperty("tables").EnumerateObject(), t => t.Name.StartsWith("public.payment_p", StringComparison.Ordinal));
        Assert.Equal(await CoverageCheck.OracleAsync(_harness, "SELECT rental_id FROM public.rental WHERE customer_id = 1"), CoverageCheck.Exported(export, "public.rental", "rental_id"));
    }

    [Fact]
    public async Task The_map_says_where_the_link_of_a_partitioned_table_was_found()
    {
        var map = await _harness.Services.GetRequiredService<SubjectExports>().MapAsync();
        var payment = map.Find("public.payment");
        Assert.NotNull(payment);
        Assert.DoesNotContain(map.Tables, t => t.Table.Name.StartsWith("payment_p", StringComparison.Ordinal));
        var path = Assert.Single(payment.Paths, p => p.Contains("(customer_id) -> public.customer.(customer_id)", StringComparison.Ordinal));
        Assert.Contains("declared on 6 of 7 partitions", path, StringComparison.Ordinal);
        Assert.Contains("public.payment_p2022_01", path, StringComparison.Ordinal);
        Assert.Empty(map.ProbableLinks);
    }
}
