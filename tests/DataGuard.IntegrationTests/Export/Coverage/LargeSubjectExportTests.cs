using System.IO.Compression;
using System.Text.Json;
using DataGuard.Export;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>A subject with more rows than the PDF shows: the PDF says so on its first page, JSON and CSV hold every row, and every format carries the coverage manifest.</summary>
public sealed class LargeSubjectExportTests
{
    private const string Schema = """
        CREATE TABLE public.customer (customer_id integer PRIMARY KEY, name text);
        INSERT INTO public.customer VALUES (1, 'big'), (2, 'small');
        CREATE TABLE public.clicks (id bigint, customer_id integer NOT NULL, at date NOT NULL, url text) PARTITION BY RANGE (at);
        CREATE TABLE public.clicks_a PARTITION OF public.clicks FOR VALUES FROM ('2020-01-01') TO ('2025-01-01');
        CREATE TABLE public.clicks_b PARTITION OF public.clicks FOR VALUES FROM ('2025-01-01') TO ('2030-01-01');
        ALTER TABLE ONLY public.clicks_b ADD FOREIGN KEY (customer_id) REFERENCES public.customer;
        INSERT INTO public.clicks SELECT c, CASE WHEN c % 50 = 0 THEN 2 ELSE 1 END, date '2020-01-01' + (c % 3000), '/page/' || c FROM generate_series(1, 30000) c;
        CREATE TABLE public.wishlist (id serial PRIMARY KEY, customer_id integer, item text);
        """;

    [Fact]
    public async Task A_pdf_that_is_shortened_says_so_on_its_first_page_while_json_and_csv_hold_every_row_and_the_coverage()
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: Schema,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "customer_id"),
            more: services => services.Configure<PdfExportOptions>(o => o.MaxRowsPerTable = 100));
        var exports = harness.Services.GetRequiredService<SubjectExports>();
        Directory.CreateDirectory(harness.Root);
        var expected = await CoverageCheck.OracleAsync(harness, "SELECT id FROM public.clicks WHERE customer_id = 1");
        Assert.Equal(29400, expected.Count);

        await using (var snapshot = await exports.OpenAsync("1"))
        {
            foreach (var format in new[] { "json", "csv", "pdf" })
            {
                await using var file = File.Create(Path.Combine(harness.Root, "export." + format));
                await snapshot.WriteAsync(exports.Format(format), file);
            }
        }

        var firstPage = await PdfText.ExtractAsync(Path.Combine(harness.Root, "export.pdf"), page: 1);
        Assert.Contains("This PDF is shortened", firstPage, StringComparison.Ordinal);
        Assert.Contains("public.clicks (29,400 rows)", firstPage, StringComparison.Ordinal);
        Assert.Contains("JSON and CSV files of this export hold every row", firstPage, StringComparison.Ordinal);
        var pdf = await PdfText.ExtractAsync(Path.Combine(harness.Root, "export.pdf"));
        Assert.Contains("What this export covers", pdf, StringComparison.Ordinal);
        Assert.Contains("public.wishlist: NOT exported", pdf, StringComparison.Ordinal);

        var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(harness.Root, "export.json"))).RootElement;
        Assert.Equal(expected, CoverageCheck.Exported(json, "public.clicks", "id"));
        Assert.Contains(json.GetProperty("coverage").EnumerateArray(), c => c.GetProperty("table").GetString() == "public.wishlist" && c.GetProperty("status").GetString() == "probable-link");

        using var zip = ZipFile.OpenRead(Path.Combine(harness.Root, "export.csv"));
        using var csv = new StreamReader(zip.GetEntry("public.clicks.csv")!.Open());
        var lines = 0;
        while (await csv.ReadLineAsync() is not null)
        {
            lines++;
        }

        Assert.Equal(29400 + 1, lines);
        var manifest = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open()).RootElement;
        Assert.Contains(manifest.GetProperty("coverage").EnumerateArray(), c => c.GetProperty("table").GetString() == "public.clicks" && c.GetProperty("status").GetString() == "included");
    }
}
