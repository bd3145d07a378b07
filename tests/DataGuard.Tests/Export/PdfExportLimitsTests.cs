using System.Text;
using DataGuard.Export;

namespace DataGuard.Tests.Export;

/// <summary>
/// Issue 22, review findings: long values (linear wrapping, a cap per value with a marker and a warning, cancellable
/// layout), scripts PDFsharp cannot shape, glyph checks beyond the cells, characters kept as stored, offsets of local
/// times, dates without a time, NULL and empty text told apart, fonts PDFsharp cannot read.
/// </summary>
public sealed class PdfExportLimitsTests
{
    private static readonly ExportColumn[] FileColumns = [new("id", "integer"), new("content", "bytea")];

    [Fact]
    public async Task A_200_kb_value_is_cut_short_with_a_marker_and_a_warning_and_the_export_completes()
    {
        var bytes = new byte[150_000];
        new Random(22).NextBytes(bytes);
        var base64 = Convert.ToBase64String(bytes);
        Assert.Equal(200_000, base64.Length);
        var longText = string.Join(' ', Enumerable.Range(0, 25_000).Select(i => $"word{i % 97}"));   // about 200 KB of words
        var document = PdfTestDocuments.Document("public.files", [.. FileColumns, new("notes", "text")], [[1, bytes, longText]]);

        var (pdf, warnings) = await PdfTestDocuments.WriteAsync(document, PdfTestDocuments.DejaVuOnly());

        var warning = Assert.Single(warnings, w => w.Contains("cut short", StringComparison.Ordinal));
        Assert.Contains("2 value(s) longer than 5,000 characters", warning, StringComparison.Ordinal);
        Assert.Contains("Files › Content, row 1", warning, StringComparison.Ordinal);
        Assert.Contains("the full values are in the JSON and CSV files", warning, StringComparison.Ordinal);
        var text = await PdfTestDocuments.TextAsync(pdf);
        Assert.Contains($"… (truncated: {200_000 - 5_000:N0} more characters; the full value is in the JSON and CSV files)", Squash(text), StringComparison.Ordinal);
        Assert.Contains("Some values are longer than 5,000 characters and are cut short here", await PdfTestDocuments.TextAsync(pdf, page: 1), StringComparison.Ordinal);
        Assert.Contains(base64[..40], text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(base64[^40..], text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Wrapping_measures_each_character_a_bounded_number_of_times_and_every_line_fits(bool spaces)
    {
        var text = new PdfTextRuns(PdfFontSet.Scan(PdfTestDocuments.DejaVuOnly()));
        var value = spaces
            ? string.Join(' ', Enumerable.Range(0, 25_000).Select(i => $"w{i % 997}é"))
            : Convert.ToBase64String(Enumerable.Range(0, 150_000).Select(i => (byte)(i * 7)).ToArray());
        const double width = 150;

        var before = text.MeasuredCharacters;
        var lines = text.Wrap(value, false, 8, width);
        var measured = text.MeasuredCharacters - before;

        Assert.InRange(measured, value.Length, 3L * value.Length);   // linear; the old wrapping measured the rest of the text per line
        Assert.True(lines.Count > 500, $"{lines.Count} lines");
        Assert.All(lines, l => Assert.True(text.Measure(l, false, 8) <= width + 0.01, $"'{l}' is wider than {width}"));
        Assert.Equal(value.Replace(" ", string.Empty, StringComparison.Ordinal), string.Concat(lines).Replace(" ", string.Empty, StringComparison.Ordinal));
        if (spaces)
        {
            Assert.All(lines, l => Assert.Matches(@"^(w\d+é ?)+$", l));   // broken at spaces, never inside a word
        }
    }

    [Fact]
    public async Task Cancellation_stops_the_formatting_and_layout_before_anything_is_written()
    {
        using var cancellation = new CancellationTokenSource();
        var rows = Enumerable.Range(1, 3_000).Select(i => new object?[] { i, new byte[] { 1, 2, 3 } }).ToList();

        // Cancelled once every row is read: what follows (formatting, layout of two runs, saving) must stop.
        var document = PdfTestDocuments.Document("public.files", FileColumns, rows, afterTables: cancellation.Cancel);
        var exporter = new PdfExporter(Microsoft.Extensions.Options.Options.Create(PdfTestDocuments.DejaVuOnly()));
        using var output = new MemoryStream();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exporter.WriteReportingAsync(document, output, cancellation.Token));

        Assert.Equal(0, output.Length);
        Assert.DoesNotContain("CopyToAsync", error.StackTrace, StringComparison.Ordinal);   // not only at the very end, after the whole layout
        Assert.Matches("FormatTable|PdfLayout", error.StackTrace!);
    }

    [Fact]
    public void A_cancelled_layout_stops_at_the_next_row()
    {
        var text = new PdfTextRuns(PdfFontSet.Scan(PdfTestDocuments.DejaVuOnly()));
        using var cancellation = new CancellationTokenSource();
        var pulled = 0;
        IEnumerable<string?[]> Rows()
        {
            for (var i = 0; i < 10_000; i++)
            {
                pulled++;
                if (i == 10)
                {
                    cancellation.Cancel();
                }

                yield return [i.ToString(System.Globalization.CultureInfo.InvariantCulture), "value"];
            }
        }

        using var layout = new PdfLayout(null, text, "header", 0, "en", cancellationToken: cancellation.Token);
        Assert.Throws<OperationCanceledException>(() => layout.Table(["A", "B"], [100, 100], Rows(), 8));
        Assert.Equal(11, pulled);
    }

    [Fact]
    public async Task A_paragraph_that_continues_on_the_next_page_of_a_tagged_pdf_is_drawn_whole()
    {
        var options = PdfTestDocuments.DejaVuOnly();
        options.RightsContact = string.Join(' ', Enumerable.Range(1, 1_500).Select(i => $"contact{i}"));   // longer than the rest of the first page
        var document = PdfTestDocuments.Document("public.people", [new("id", "integer")], [[1]]);

        var (pdf, warnings) = await PdfTestDocuments.WriteAsync(document, options);

        Assert.Empty(warnings);
        var text = await PdfTestDocuments.TextAsync(pdf);
        Assert.Contains("contact1 ", text, StringComparison.Ordinal);
        Assert.Contains("contact1500", text, StringComparison.Ordinal);
        Assert.Contains("Page 2 of", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_to_left_and_complex_scripts_are_named_in_the_warnings_and_on_the_first_page()
    {
        ExportColumn[] columns = [new("id", "integer"), new("name", "text")];
        var document = PdfTestDocuments.Document("public.people", columns, [[1, "مرحبا بالعالم"], [2, "שלום עולם"], [3, "नमस्ते दुनिया"], [4, "สวัสดีชาวโลก"], [5, "Zoë"]]);

        var (pdf, warnings) = await PdfTestDocuments.WriteAsync(document, new PdfExportOptions());

        var warning = Assert.Single(warnings, w => w.Contains("unshaped", StringComparison.Ordinal));
        Assert.Contains("values in Arabic, Devanagari, Hebrew, Thai are shown unshaped", warning, StringComparison.Ordinal);
        Assert.Contains("People › Name, row 1", warning, StringComparison.Ordinal);
        Assert.Contains("the JSON and CSV files hold them exactly", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("row 5", warning, StringComparison.Ordinal);
        var firstPage = await PdfTestDocuments.TextAsync(pdf, page: 1);
        Assert.Contains("Values in Arabic, Devanagari, Hebrew, Thai are shown unshaped", firstPage, StringComparison.Ordinal);
        Assert.Contains("hold them exactly", firstPage, StringComparison.Ordinal);

        var latin = PdfTestDocuments.Document("public.people", columns, [[1, "Zoë Ångström"], [2, "Αθήνα Здравствуйте 日本"]]);
        Assert.DoesNotContain((await PdfTestDocuments.WriteAsync(latin, new PdfExportOptions())).Warnings, w => w.Contains("unshaped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Characters_no_font_has_are_found_in_the_title_subject_key_and_configured_texts_too()
    {
        var options = PdfTestDocuments.DejaVuOnly();
        options.RightsContact = "Écrivez à 個人情報 privacy@example.com";
        options.Tables["public.orders"] = new PdfTableOptions { Purpose = "会計法", Columns = { ["note"] = "備考" } };
        ExportColumn[] columns = [new("id", "integer"), new("note", "text")];
        var document = PdfTestDocuments.Document("public.orders", columns, [[1, "plain"]], title: "Export of 山田", subject: "山田");

        var (_, warnings) = await PdfTestDocuments.WriteAsync(document, options);

        var warning = Assert.Single(warnings, w => w.Contains("no font has the characters of Han", StringComparison.Ordinal));
        Assert.Contains("the title; the subject's key; the rights contact; why public.orders is kept; the name of public.orders.note", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Characters_are_drawn_as_stored_not_normalised()
    {
        var text = new PdfTextRuns(PdfFontSet.Scan(PdfTestDocuments.DejaVuOnly()));
        Assert.Equal("\u212B \u2126 e\u0301", text.Clean("\u212B \u2126 e\u0301"));   // Ångström sign, Ohm sign, e + combining acute: NFC would make Å, Ω, é

        var cjk = new PdfTextRuns(PdfFontSet.Scan(new PdfExportOptions { RegularFont = PdfTestDocuments.DejaVu, FallbackFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", SystemFonts = false }));
        Assert.Empty(cjk.Missing("\uF91D"));
        Assert.Equal("\uF91D", cjk.Clean("\uF91D"));   // a CJK compatibility ideograph: NFC would make U+6B04
    }

    [Fact]
    public void Local_times_carry_their_offset_so_the_hour_repeated_when_summer_time_ends_reads_twice_differently()
    {
        var values = new PdfValues(System.Globalization.CultureInfo.GetCultureInfo("fr-FR"), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
        var summer = values.ToText(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero))!;
        var winter = values.ToText(new DateTime(2026, 10, 25, 1, 30, 0, DateTimeKind.Utc))!;

        Assert.Equal("25/10/2026 02:30:00 UTC+02:00", summer);
        Assert.Equal("25/10/2026 02:30:00 UTC+01:00", winter);
        Assert.Equal("2026-10-25 00:30:00 UTC", new PdfValues(null, TimeZoneInfo.Utc).ToText(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task Date_columns_show_no_time_and_null_and_empty_text_are_told_apart_as_the_first_page_says()
    {
        ExportColumn[] columns = [new("id", "integer"), new("born_on", "date"), new("nickname", "text"), new("middle_name", "text"), new("signature", "text")];
        var document = PdfTestDocuments.Document("public.people", columns, [[1, new DateTime(1990, 5, 17), null, string.Empty, "–"], [2, new DateTime(2001, 1, 2), "Zo", "Ann", "x"]]);
        var options = PdfTestDocuments.DejaVuOnly();
        options.Culture = "fr-FR";

        var (pdf, _) = await PdfTestDocuments.WriteAsync(document, options);

        var text = await PdfTestDocuments.TextAsync(pdf);
        Assert.Contains("17/05/1990", text, StringComparison.Ordinal);
        Assert.DoesNotContain("00:00:00", text, StringComparison.Ordinal);
        Assert.Contains("17/05/1990 (none) (empty) –", Squash(text), StringComparison.Ordinal);
        Assert.Contains("(none) in grey marks a field with no value (empty in the database), and (empty) in grey a field holding empty text", Squash(await PdfTestDocuments.TextAsync(pdf, page: 1)), StringComparison.Ordinal);
        Assert.DoesNotContain("an empty value shows as –", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_font_whose_only_unicode_map_is_of_the_unicode_platform_is_not_used()
    {
        var data = File.ReadAllBytes(PdfTestDocuments.DejaVu);
        var patched = Path.Combine(Path.GetTempPath(), $"dataguard-platform0-{Guid.NewGuid():N}.ttf");
        File.WriteAllBytes(patched, OnlyUnicodePlatform(data));
        try
        {
            var font = PdfFontFile.Read(patched);
            Assert.NotNull(font);
            Assert.Contains("PDFsharp reads Windows (platform 3) character maps only", font.Unusable, StringComparison.Ordinal);

            var fonts = PdfFontSet.Scan(new PdfExportOptions { RegularFont = patched, FallbackFont = PdfTestDocuments.DejaVu, SystemFonts = false });
            Assert.Equal(PdfTestDocuments.DejaVu, fonts.Font(fonts.FontFor(new Rune('a'))).Path);
            Assert.Contains(fonts.Skipped, s => s.Path == patched && s.Reason.Contains("platform", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(patched);
        }
    }

    /// <summary>A copy of a TrueType font whose Windows (platform 3) cmap records are relabelled as Unicode-platform (0) ones.</summary>
    private static byte[] OnlyUnicodePlatform(byte[] font)
    {
        var data = (byte[])font.Clone();
        int tables = (data[4] << 8) | data[5];
        for (var i = 0; i < tables; i++)
        {
            var entry = 12 + (i * 16);
            if (Encoding.ASCII.GetString(data, entry, 4) != "cmap")
            {
                continue;
            }

            var cmap = (data[entry + 8] << 24) | (data[entry + 9] << 16) | (data[entry + 10] << 8) | data[entry + 11];
            int records = (data[cmap + 2] << 8) | data[cmap + 3];
            for (var r = 0; r < records; r++)
            {
                var record = cmap + 4 + (r * 8);
                if (data[record + 1] == 3)
                {
                    data[record + 1] = 0;                                   // platform 3 -> 0
                    data[record + 3] = data[record + 3] == 10 ? (byte)4 : (byte)3;   // encoding 10 -> 4 (full), 1 -> 3 (BMP)
                }
            }
        }

        return data;
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
