using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>Partitioned tables (FK on the parent, on some leaves, on none), sub-partitions and inheritance, exported as logical tables and compared with hand-written queries.</summary>
public sealed class ShapeExportTests : IAsyncLifetime
{
    private ExportHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ExportHarness.CreateAsync(
        schema: ShapesFixture.Schema,
        configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "customer_id"));

    public Task DisposeAsync() => _harness.DisposeAsync().AsTask();

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    public async Task Each_shape_exports_exactly_the_subjects_rows_from_every_partition_and_child(string subject)
    {
        var export = await CoverageCheck.ExportJsonAsync(_harness, subject);
        async Task Same(string table, string oracle, params string[] columns) =>
            Assert.Equal(await CoverageCheck.OracleAsync(_harness, oracle), CoverageCheck.Exported(export, table, columns));

        await Same("public.invoices", $"SELECT id FROM public.invoices WHERE customer_id = {subject}", "id");
        await Same("public.visits", $"SELECT id FROM public.visits WHERE customer_id = {subject}", "id");
        await Same("public.contacts", $"SELECT id FROM ONLY public.contacts WHERE customer_id = {subject}", "id");
        await Same("public.email_contacts", $"SELECT email FROM ONLY public.email_contacts WHERE customer_id = {subject}", "email");
        await Same("public.phone_contacts", $"SELECT phone FROM ONLY public.phone_contacts WHERE customer_id = {subject}", "phone");
        await Same("public.sms_contacts", $"SELECT carrier FROM public.sms_contacts WHERE customer_id = {subject}", "carrier");
        await Same("public.customer_referrals", $"SELECT id FROM public.customer_referrals WHERE referrer = {subject}", "id");
        Assert.Empty(CoverageCheck.Exported(export, "public.referrals", "id"));

        // Every row of the subject's, from every partition at any depth, once; no partition on its own; nothing unlinked.
        var tables = export.GetProperty("tables").EnumerateObject().Select(t => t.Name).ToList();
        Assert.DoesNotContain(tables, t => t.StartsWith("public.invoices_", StringComparison.Ordinal) || t.StartsWith("public.visits_", StringComparison.Ordinal));
        Assert.DoesNotContain("public.notes", tables);
        Assert.DoesNotContain("public.documents", tables);
        Assert.DoesNotContain("public.products", tables);
        Assert.Equal(4, (await CoverageCheck.OracleAsync(_harness, $"SELECT DISTINCT tableoid::regclass::text FROM public.visits WHERE customer_id = {subject}")).Count);
        Assert.All(export.GetProperty("tables").GetProperty("public.visits").EnumerateArray(), v => Assert.Equal(int.Parse(subject), v.GetProperty("customer_id").GetInt32()));
    }

    [Fact]
    public async Task The_map_treats_partitioned_and_inherited_tables_as_one_and_lists_every_probable_link()
    {
        var map = await _harness.Services.GetRequiredService<SubjectExports>().MapAsync();

        Assert.Equal(["public.contacts", "public.customer", "public.invoices", "public.referrals", "public.visits"], map.Tables.Select(t => t.Table.QualifiedName).Order(StringComparer.Ordinal));
        Assert.Contains("declared on the partitioned table", map.Find("public.invoices")!.Paths.Single(), StringComparison.Ordinal);
        Assert.Contains("declared on 2 of 6 partitions (public.visits_2022_eu, public.visits_2023_us)", map.Find("public.visits")!.Paths.Single(), StringComparison.Ordinal);
        Assert.Equal(["public.email_contacts", "public.phone_contacts", "public.sms_contacts"], map.Find("public.contacts")!.Members.Order(StringComparer.Ordinal));
        Assert.Equal(["public.documents.owner_id", "public.notes.customer_id"], map.ProbableLinks.Select(p => p.Name).Order(StringComparer.Ordinal));

        var coverage = map.Coverage.ToDictionary(c => c.Table, c => c.StatusName);
        Assert.Equal("included", coverage["public.visits"]);
        Assert.Equal("probable-link", coverage["public.notes"]);
        Assert.Equal("probable-link", coverage["public.documents"]);
        Assert.Equal("not-linked", coverage["public.products"]);
        Assert.DoesNotContain(map.Coverage, c => c.Table.StartsWith("public.visits_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Strict_mode_refuses_while_a_probable_link_is_undeclared_and_links_and_excludes_settle_it()
    {
        await using var strict = await ExportHarness.CreateAsync(
            schema: ShapesFixture.Schema,
            configure: o => (o.Subject.Table, o.Subject.Key, o.Strict) = ("public.customer", "customer_id", true));
        var refused = await Assert.ThrowsAnyAsync<DataGuardException>(() => CoverageCheck.ExportJsonAsync(strict, "1"));
        Assert.Contains("public.notes.customer_id", refused.Message, StringComparison.Ordinal);
        Assert.Contains("public.documents.owner_id", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Strict", refused.Message, StringComparison.Ordinal);
        var jobs = strict.Services.GetRequiredService<ExportJobs>();
        await Assert.ThrowsAnyAsync<DataGuardException>(() => jobs.RequestExportAsync("1", ["json"], "test"));

        await using var settled = await ExportHarness.CreateAsync(
            schema: ShapesFixture.Schema,
            configure: o =>
            {
                (o.Subject.Table, o.Subject.Key, o.Strict) = ("public.customer", "customer_id", true);
                o.Links.Add(new ExportLink { From = "public.notes.customer_id", To = "public.customer.customer_id" });
                o.Exclude.Add("public.documents.owner_id");
            });
        var export = await CoverageCheck.ExportJsonAsync(settled, "2");
        Assert.Equal(await CoverageCheck.OracleAsync(settled, "SELECT id FROM public.notes WHERE customer_id = 2"), CoverageCheck.Exported(export, "public.notes", "id"));
        var map = await settled.Services.GetRequiredService<SubjectExports>().MapAsync();
        Assert.Empty(map.ProbableLinks);
        Assert.Contains(map.Coverage, c => c is { Table: "public.documents", Status: CoverageStatus.Excluded } && c.Detail.Contains("Export:Exclude", StringComparison.Ordinal));
        Assert.Contains("[configured link]", map.Find("public.notes")!.Paths.Single(), StringComparison.Ordinal);
    }
}
