using System.Globalization;
using DataGuard.Export;

namespace DataGuard.Tests.Export;

/// <summary>What the PDF draws differently from the stored value is either drawn faithfully or said in a warning.</summary>
public sealed class PdfExportFidelityTests
{
    [Theory]
    [InlineData("ko-KR", "Hangul")]
    [InlineData("zh-TW", "Han")]
    public async Task The_generated_time_in_a_culture_is_checked_for_characters_no_font_has(string culture, string script)
    {
        var options = PdfTestDocuments.DejaVuOnly();
        options.Culture = culture;
        options.TimeZone = "Europe/Berlin";
        var document = PdfTestDocuments.Document("public.notes", [new("id", "integer")], [[1]]);

        var (_, warnings) = await PdfTestDocuments.WriteAsync(document, options);

        var warning = Assert.Single(warnings, w => w.Contains("no font has the characters of", StringComparison.Ordinal));
        Assert.Contains(script, warning, StringComparison.Ordinal);
        Assert.Contains("the time of generation", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("e\u0301")]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData("\U0001F1E9\U0001F1EA")]
    public void A_value_is_never_cut_inside_a_character_as_read(string grapheme)
    {
        foreach (var before in new[] { 96, 97, 98, 99 })
        {
            var notes = new PdfNotes();
            var value = new string('a', before) + grapheme + new string('b', 50);

            var shown = notes.Cap(value, 100, "x").Split('\n')[0];

            Assert.True(shown == new string('a', before) || shown.StartsWith(new string('a', before) + grapheme, StringComparison.Ordinal), $"{before}: cut inside {grapheme}: {shown[before..]}");
            Assert.True(new StringInfo(shown).LengthInTextElements <= 100);
        }
    }

    [Fact]
    public void The_limit_counts_characters_not_utf16_units()
    {
        var notes = new PdfNotes();
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 3_000));

        Assert.Equal(emoji, notes.Cap(emoji, 5_000, "x"));
        Assert.Empty(notes.Truncated);

        var longer = string.Concat(Enumerable.Repeat("\U0001F600", 5_010));
        var shown = notes.Cap(longer, 5_000, "x");
        Assert.Equal(string.Concat(Enumerable.Repeat("\U0001F600", 5_000)) + PdfNotes.Marker(10), shown);
    }

    [Fact]
    public async Task Control_and_tag_characters_are_said_in_a_warning()
    {
        var columns = new ExportColumn[] { new("id", "integer"), new("a", "text") };
        var document = PdfTestDocuments.Document("public.notes", columns, [[1, "x\u0001y\u001Bz"], [2, "a\u007Fb"], [3, "a\u0085b"], [4, "t\U000E0068\U000E0069x"], [5, "tab\tand\r\nline"]]);

        var (pdf, warnings) = await PdfTestDocuments.WriteAsync(document, PdfTestDocuments.DejaVuOnly());

        var warning = Assert.Single(warnings, w => w.Contains("control characters", StringComparison.Ordinal));
        Assert.Contains("4 value(s)", warning, StringComparison.Ordinal);
        Assert.Contains("row 1", warning, StringComparison.Ordinal);
        Assert.Contains("row 4", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("row 5", warning, StringComparison.Ordinal);
        Assert.Contains("control characters", await PdfTestDocuments.TextAsync(pdf, 1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_values_get_no_control_character_warning()
    {
        var columns = new ExportColumn[] { new("id", "integer"), new("a", "text") };
        var document = PdfTestDocuments.Document("public.notes", columns, [[1, "tab\tand\r\nline"], [2, "Zoë 🏴"]]);

        var (_, warnings) = await PdfTestDocuments.WriteAsync(document, PdfTestDocuments.DejaVuOnly());

        Assert.DoesNotContain(warnings, w => w.Contains("control characters", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("de-DE")]
    [InlineData("ko-KR")]
    public void Fractions_of_a_second_are_shown_when_a_culture_or_zone_is_set(string? culture)
    {
        var values = new PdfValues(culture is null ? null : CultureInfo.GetCultureInfo(culture), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        var separator = culture is null ? "." : CultureInfo.GetCultureInfo(culture).NumberFormat.NumberDecimalSeparator;
        var tenth = new DateTimeOffset(2026, 3, 29, 10, 0, 0, TimeSpan.Zero).AddTicks(1_000_000);
        var ninth = tenth.AddTicks(8_000_000);

        Assert.NotEqual(values.ToText(tenth), values.ToText(ninth));
        Assert.Contains($"00{separator}1", values.ToText(tenth), StringComparison.Ordinal);
        Assert.Contains($"00{separator}9", values.ToText(ninth.UtcDateTime), StringComparison.Ordinal);
        Assert.Contains($"00{separator}123456", values.ToText(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Unspecified).AddTicks(1_234_560)), StringComparison.Ordinal);
        Assert.Contains($"00{separator}5", values.ToText(new TimeOnly(12, 0, 0, 500)), StringComparison.Ordinal);
        Assert.DoesNotContain(separator + "0", values.ToText(new DateTimeOffset(2026, 3, 29, 10, 0, 0, TimeSpan.Zero)), StringComparison.Ordinal);
        Assert.Equal(values.ToText(new TimeOnly(12, 0, 0)), culture is null ? "12:00:00" : new TimeOnly(12, 0, 0).ToString("T", CultureInfo.GetCultureInfo(culture)));
    }
}
