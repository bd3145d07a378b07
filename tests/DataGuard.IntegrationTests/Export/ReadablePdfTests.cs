using System.Text;
using DataGuard.Export;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using PdfSharp.Pdf.IO;

namespace DataGuard.IntegrationTests.Export;

/// <summary>
/// Issue 22: a PDF export a person can read, with every character. A customer with 1 row, 7 invoices and 38 invoice
/// lines (at most 9 columns each), with accented, Greek, Cyrillic, CJK and emoji text.
/// </summary>
public sealed class ReadablePdfTests
{
    private const string Schema = """
        CREATE TABLE public.customer (id integer PRIMARY KEY, full_name text NOT NULL, email text, city text, greeting text, note text, time_zone text, locale text, created_at timestamptz NOT NULL);
        CREATE TABLE public.invoice (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES public.customer, number text NOT NULL, issued_at timestamptz NOT NULL, total numeric(10, 2), currency text, status text);
        CREATE TABLE public.invoice_line (id integer PRIMARY KEY, invoice_id integer NOT NULL REFERENCES public.invoice, position integer, product text, quantity integer, unit_price numeric(10, 2), amount numeric(10, 2), note text);
        INSERT INTO public.customer VALUES
          (1, 'Zoë Ångström-Dupont', 'zoe@example.com', 'Αθήνα', 'Здравствуйте, мир', '日本語のテキスト 🎉', 'Europe/Paris', 'fr-FR', '2026-11-27T08:15:00Z'),
          (2, 'Someone Else', 'else@example.com', 'Oslo', 'Hei', 'not exported', 'UTC', 'nb-NO', '2026-01-01T00:00:00Z');
        INSERT INTO public.invoice SELECT i, 1, 'INV-2026-' || lpad(i::text, 4, '0'), ('2026-0' || i || '-15T10:30:00Z')::timestamptz, 10 * i + 0.5, 'EUR', CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'open' END FROM generate_series(1, 7) i;
        INSERT INTO public.invoice VALUES (100, 2, 'INV-OTHER', '2026-03-01T00:00:00Z', 1, 'NOK', 'paid');
        INSERT INTO public.invoice_line SELECT l, 1 + (l % 7), l, (ARRAY['Café crème', 'Κρασί λευκό', 'Чай с мёдом', '緑茶 (sencha)', 'Cake 🍰', 'Ümlaut Brötchen'])[1 + l % 6] || ' #' || l, 1 + l % 4, 2.5 * (1 + l % 5), 2.5 * (1 + l % 5) * (1 + l % 4), CASE WHEN l % 9 = 0 THEN 'gift wrap, please — ありがとう' END FROM generate_series(1, 38) l;
        """;

    [Fact]
    public async Task Every_value_of_the_subject_is_in_the_pdf_text_including_greek_cyrillic_cjk_and_emoji_where_a_font_has_them()
    {
        await using var harness = await CreateAsync();
        var path = await ExportAsync(harness, "every-value.pdf");
        var raw = Squeeze(await PdfText.ExtractAsync(path, raw: true));
        var fonts = PdfFontSet.For(harness.Services.GetRequiredService<IOptions<PdfExportOptions>>().Value);
        var values = await ValuesAsync(harness);
        Assert.Equal(9 + (7 * 7) + (38 * 7) + 4, values.Count);   // four lines have a note
        var shown = values.Where(v => v.EnumerateRunes().All(r => fonts.FontFor(r) >= 0)).ToList();
        Assert.All(shown, v => Assert.True(raw.Contains(Squeeze(v), StringComparison.Ordinal), $"'{v}' is not in the PDF's text"));

        // This machine has the fonts (the CI installs them): every script of the fixture is shown, none is missing.
        foreach (var sample in new[] { "Zoë Ångström", "Αθήνα", "Здравствуйте", "日本語のテキスト", "🎉", "緑茶", "🍰" })
        {
            Assert.True(sample.EnumerateRunes().All(r => fonts.FontFor(r) >= 0), $"no font for '{sample}': install fonts-dejavu-core, fonts-droid-fallback and fonts-symbola");
        }

        Assert.Equal(values.Count, shown.Count);
        Assert.DoesNotContain("could not be shown", await PdfText.ExtractAsync(path, page: 1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_cjk_font_the_cli_output_the_job_manifest_the_doctor_and_the_pdf_say_which_values_could_not_be_shown()
    {
        using var cli = new CliRunner();
        var fonts = Path.Combine(cli.Folder, "fonts");
        Directory.CreateDirectory(fonts);
        File.Copy("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", Path.Combine(fonts, "DejaVuSans.ttf"));
        File.Copy("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", Path.Combine(fonts, "DejaVuSans-Bold.ttf"));
        await using var harness = await CreateAsync(o => { o.FontPaths.Add(fonts); o.SystemFonts = false; });
        var config = cli.WriteConfig(new
        {
            Postgres = new { harness.Database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Export = new { Subject = new { Table = "public.customer", Key = "id" }, RateLimit = "00:00:00", Pdf = new { FontPaths = new[] { fonts }, SystemFonts = false } },
        });

        var pdf = Path.Combine(cli.Folder, "customer-1.pdf");
        var export = await cli.RunAsync("export", "subject", "1", "--format", "pdf", "--out", pdf, "--config", config);
        Assert.True(export.ExitCode == 0, export.All);
        Assert.Contains("WARNING: PDF: no font has the characters of ", export.Output, StringComparison.Ordinal);
        Assert.Contains("Han", export.Output, StringComparison.Ordinal);
        Assert.Contains("Customers › Note, row 1", export.Output, StringComparison.Ordinal);
        Assert.Contains("the JSON and CSV files hold these values exactly", export.Output, StringComparison.Ordinal);

        var firstPage = await PdfText.ExtractAsync(pdf, page: 1);
        Assert.Contains("Some characters could not be shown in this PDF", firstPage, StringComparison.Ordinal);
        Assert.Contains("Han", firstPage, StringComparison.Ordinal);
        Assert.Contains("Customers › Note, row 1", firstPage, StringComparison.Ordinal);
        Assert.Contains("The JSON and CSV files of this export hold these values exactly", firstPage, StringComparison.Ordinal);
        Assert.DoesNotContain("日本語", await PdfText.ExtractAsync(pdf), StringComparison.Ordinal);
        Assert.Contains("Zoë Ångström-Dupont", await PdfText.ExtractAsync(pdf), StringComparison.Ordinal);

        var doctor = await cli.RunAsync("doctor", "--config", config);
        Assert.Contains("no font for: ", doctor.Output, StringComparison.Ordinal);
        var missingLine = doctor.Output.Split('\n').Single(l => l.Contains("no font for: ", StringComparison.Ordinal));
        Assert.Contains("Han", missingLine, StringComparison.Ordinal);
        Assert.Contains("Hiragana", missingLine, StringComparison.Ordinal);
        Assert.DoesNotContain("Cyrillic", missingLine, StringComparison.Ordinal);

        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", ["json", "pdf"]);
        Assert.Equal(1, await harness.Services.GetRequiredService<ExportJobRunner>().RunPendingAsync());
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("ready", ready.Status);
        var manifest = ready.Artifacts.Single(a => a.Format == "pdf").Warnings;
        Assert.Contains(manifest, w => w.Contains("Han", StringComparison.Ordinal) && w.Contains("Customers › Note, row 1", StringComparison.Ordinal));
        Assert.Empty(ready.Artifacts.Single(a => a.Format == "json").Warnings);
    }

    [Fact]
    public async Task A_customer_with_1_7_and_38_rows_reads_as_tables_with_names_for_people_on_at_most_3_pages()
    {
        await using var harness = await CreateAsync(o =>
        {
            o.CultureColumn = "locale";
            o.TimeZoneColumn = "time_zone";
            o.RightsContact = "Write to privacy@example.com to exercise your rights.";
            o.Tables["public.invoice"] = new PdfTableOptions { Purpose = "Accounting law requires us to keep invoices." };
            o.Tables["invoice_line"] = new PdfTableOptions { Columns = { ["unit_price"] = "Price per unit" } };
        });
        var path = await ExportAsync(harness, "layout.pdf");

        var pages = await PdfText.PagesAsync(path);
        Assert.InRange(pages, 1, 3);
        var text = await PdfText.ExtractAsync(path);
        foreach (var expected in new[] { "Customers", "Invoices", "Invoice lines", "Full name", "Created at", "Price per unit", "Accounting law requires us to keep invoices.", "Write to privacy@example.com", "public.invoice_line", "Your rights" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.Contains("27/11/2026 09:15:00", text, StringComparison.Ordinal);  // 08:15 UTC in the subject's zone and culture
        Assert.Contains("times in Europe/Paris", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Row 1", text, StringComparison.Ordinal);
        for (var page = 1; page <= pages; page++)
        {
            var pageText = await PdfText.ExtractAsync(path, page);
            Assert.Contains($"Page {page} of {pages}", pageText, StringComparison.Ordinal);
            Assert.Contains("Personal data export: public.customer 1", pageText, StringComparison.Ordinal);
            if (pageText.Contains(" #", StringComparison.Ordinal))
            {
                Assert.Contains("Price per unit", pageText, StringComparison.Ordinal);   // the header row repeats where the table continues
            }
        }

        using var document = PdfReader.Open(path, PdfDocumentOpenMode.Import);
        Assert.Equal("Personal data export: public.customer 1", document.Info.Title);
        Assert.Equal(["Your personal data", "Customers", "Invoices", "Invoice lines"], document.Outlines.Select(o => o.Title));
        Assert.Equal("en", document.Internals.Catalog.Elements.GetString("/Lang"));
        Assert.NotNull(document.Internals.Catalog.Elements.GetDictionary("/StructTreeRoot"));
    }

    [Fact]
    public async Task A_200_kb_bytea_and_a_right_to_left_text_export_as_a_short_pdf_with_a_marker_and_warnings_in_the_job_manifest()
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: """
                CREATE TABLE public.customer (id integer PRIMARY KEY, full_name text NOT NULL, avatar bytea, signed_on date, nickname text);
                INSERT INTO public.customer VALUES (1, 'سلمى حداد', decode(repeat('5a17', 75000), 'hex'), '2026-03-29', '');
                """,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "id"),
            more: services => services.Configure<PdfExportOptions>(o => { o.Culture = "fr-FR"; o.TimeZone = "Europe/Paris"; }));

        var path = await ExportAsync(harness, "long.pdf");

        var text = string.Join(' ', (await PdfText.ExtractAsync(path)).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("… (truncated: 195,000 more characters; the full value is in the JSON and CSV files)", text, StringComparison.Ordinal);
        Assert.Contains("Values in Arabic are shown unshaped", text, StringComparison.Ordinal);
        Assert.Contains("29/03/2026", text, StringComparison.Ordinal);
        Assert.DoesNotContain("00:00:00", text, StringComparison.Ordinal);
        Assert.Contains("(empty)", text, StringComparison.Ordinal);
        Assert.InRange(await PdfText.PagesAsync(path), 1, 3);

        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", ["json", "pdf"]);
        Assert.Equal(1, await harness.Services.GetRequiredService<ExportJobRunner>().RunPendingAsync());
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("ready", ready.Status);
        var warnings = ready.Artifacts.Single(a => a.Format == "pdf").Warnings;
        Assert.Contains(warnings, w => w.Contains("1 value(s) longer than 5,000 characters are cut short", StringComparison.Ordinal) && w.Contains("Customers › Avatar, row 1", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("values in Arabic are shown unshaped", StringComparison.Ordinal) && w.Contains("Customers › Full name, row 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stored_fractions_control_characters_and_a_korean_generated_time_read_as_stored_or_are_warned_about()
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: """
                CREATE TABLE public.customer (id integer PRIMARY KEY, ctl text, seen timestamptz, seen2 timestamptz, note text);
                INSERT INTO public.customer VALUES (1, E'x\x01y\x1bz', '2026-03-29 10:00:00.1+00', '2026-03-29 10:00:00.9+00',
                  'caf' || 'e' || chr(769) || repeat('a', 4994) || 'e' || chr(769) || 'zzz');
                """,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "id"),
            more: services => services.Configure<PdfExportOptions>(o => { o.Culture = "ko-KR"; o.TimeZone = "Europe/Berlin"; o.RegularFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"; o.SystemFonts = false; }));

        var exports = harness.Services.GetRequiredService<SubjectExports>();
        Directory.CreateDirectory(harness.Root);
        var path = Path.Combine(harness.Root, "fidelity.pdf");
        IReadOnlyList<string> warnings;
        await using (var snapshot = await exports.OpenAsync("1"))
        {
            await using var file = File.Create(path);
            warnings = await snapshot.WriteAsync(exports.Format("pdf"), file);
        }

        var text = await PdfText.ExtractAsync(path);
        Assert.Contains(":00.1 UTC+02:00", text, StringComparison.Ordinal);
        Assert.Contains(":00.9 UTC+02:00", text, StringComparison.Ordinal);
        Assert.Contains("aaa… (truncated: 5 more characters", text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(warnings, w => w.Contains("no font has the characters of Hangul", StringComparison.Ordinal) && w.Contains("the time of generation", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("1 value(s) contain control characters", StringComparison.Ordinal) && w.Contains("row 1", StringComparison.Ordinal));
    }

    private static Task<ExportHarness> CreateAsync(Action<PdfExportOptions>? pdf = null) =>
        ExportHarness.CreateAsync(
            schema: Schema,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "id"),
            more: services => services.Configure<PdfExportOptions>(o => pdf?.Invoke(o)));

    private static async Task<string> ExportAsync(ExportHarness harness, string name)
    {
        var exports = harness.Services.GetRequiredService<SubjectExports>();
        Directory.CreateDirectory(harness.Root);
        var path = Path.Combine(harness.Root, name);
        await using var snapshot = await exports.OpenAsync("1");
        await using (var file = File.Create(path))
        {
            await snapshot.WriteAsync(exports.Format("pdf"), file);
        }

        return path;
    }

    /// <summary>Every value of subject 1 in the database, as text (as the JSON and CSV files write it).</summary>
    private static async Task<List<string>> ValuesAsync(ExportHarness harness)
    {
        var values = new List<string>();
        await using var connection = new NpgsqlConnection(harness.Database.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "SELECT * FROM public.customer WHERE id = 1",
            "SELECT * FROM public.invoice WHERE customer_id = 1",
            "SELECT l.* FROM public.invoice_line l JOIN public.invoice i ON i.id = l.invoice_id WHERE i.customer_id = 1",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (!reader.IsDBNull(i))
                    {
                        values.Add(ExportValues.ToText(reader.GetValue(i))!);
                    }
                }
            }
        }

        return values;
    }

    private static string Squeeze(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
