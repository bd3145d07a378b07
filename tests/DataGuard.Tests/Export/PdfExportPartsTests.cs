using System.Text;
using DataGuard.Export;

namespace DataGuard.Tests.Export;

/// <summary>Issue 22: names for people, glyph coverage from a font's cmap, and the PDF options' start-up checks.</summary>
public sealed class PdfExportPartsTests
{
    [Theory]
    [InlineData("public.invoice_line", "Invoice lines")]
    [InlineData("public.users", "Users")]
    [InlineData("public.address", "Addresses")]
    [InlineData("public.category", "Categories")]
    [InlineData("public.order_history", "Order history")]
    [InlineData("billing.invoice", "Invoices (billing)")]
    [InlineData("public.UserProfile", "User profiles")]
    [InlineData("public.people", "People")]
    public void Tables_read_as_plural_sentences(string table, string expected) =>
        Assert.Equal(expected, PdfNames.Table(new PdfExportOptions(), table));

    [Theory]
    [InlineData("created_at", "Created at")]
    [InlineData("customer_id", "Customer ID")]
    [InlineData("id", "ID")]
    [InlineData("ipAddress", "IP address")]
    public void Columns_read_as_sentences(string column, string expected) =>
        Assert.Equal(expected, PdfNames.Column(new PdfExportOptions(), "public.t", column));

    [Fact]
    public void Configured_names_win_by_qualified_or_bare_table_name()
    {
        var options = new PdfExportOptions();
        options.Tables["public.invoice_line"] = new PdfTableOptions { DisplayName = "Lines" };
        options.Tables["orders"] = new PdfTableOptions { Columns = { ["placed_at"] = "Ordered on" } };
        Assert.Equal("Lines", PdfNames.Table(options, "public.invoice_line"));
        Assert.Equal("Ordered on", PdfNames.Column(options, "public.orders", "placed_at"));
    }

    [Fact]
    public void A_fonts_cmap_says_which_characters_it_has()
    {
        var dejavu = PdfFontFile.Read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
        Assert.NotNull(dejavu);
        Assert.Null(dejavu.Unusable);
        Assert.True(dejavu.Covers('é') && dejavu.Covers('Ω') && dejavu.Covers('Ж'));
        Assert.False(dejavu.Covers('日'));
        Assert.False(dejavu.Covers(0x1F370));   // 🍰 (DejaVu has some emoticons such as 😀, not this)
        Assert.Null(PdfFontFile.Read(typeof(PdfExportPartsTests).Assembly.Location));   // not a font at all
    }

    [Fact]
    public void Without_a_cjk_font_han_is_missing_and_the_script_is_named()
    {
        var fonts = PdfFontSet.Scan(new PdfExportOptions { RegularFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", SystemFonts = false });
        var text = new PdfTextRuns(fonts);
        var missing = text.Missing("Zoë 日本 \u200D").ToList();
        Assert.Equal([new Rune('日'), new Rune('本')], missing);
        Assert.Equal("Han", UnicodeScripts.Of(missing[0]));
        Assert.Equal("Zoë \uFFFD\uFFFD", text.Clean("Zoë 日本"));
    }

    [Fact]
    public void Line_breaks_in_non_ascii_values_stay_line_breaks()
    {
        var fonts = PdfFontSet.Scan(new PdfExportOptions { RegularFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", SystemFonts = false });
        var text = new PdfTextRuns(fonts);
        Assert.Equal("Zoë\nline 2\nline 3", text.Clean("Zoë\r\nline 2\rline 3"));
    }

    [Theory]
    [InlineData("ar-SA")]
    [InlineData("th-TH")]
    [InlineData("fa-IR")]
    public void Dates_in_a_culture_with_another_calendar_are_gregorian_and_never_fail_the_export(string culture)
    {
        var values = new PdfValues(System.Globalization.CultureInfo.GetCultureInfo(culture), null);
        Assert.Contains("1850", values.ToText(new DateTime(1850, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)), StringComparison.Ordinal);
        Assert.Contains("2026", values.ToText(new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Unspecified)), StringComparison.Ordinal);
        Assert.NotNull(values.ToText(DateTime.MaxValue));
    }

    [Fact]
    public void Bad_pdf_options_fail_start_up_with_their_names()
    {
        var options = new PdfExportOptions { Culture = "xx-nowhere-1", TimeZone = "Mars/Olympus", MaxTableColumns = 0, MaxCellCharacters = 10 };
        options.FontPaths.Add("/nonexistent/fonts");
        var result = new PdfExportOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        foreach (var key in new[] { "Culture", "TimeZone", "MaxTableColumns", "MaxCellCharacters", "FontPaths:0" })
        {
            Assert.Contains(result.Failures!, f => f.Contains($"DataGuard:Export:Pdf:{key}", StringComparison.Ordinal));
        }
    }
}
