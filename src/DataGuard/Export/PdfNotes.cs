using System.Globalization;

namespace DataGuard.Export;

/// <summary>
/// What a PDF export cannot show as stored, found before it is drawn: characters no font has, text in scripts PDFsharp
/// draws unshaped (right-to-left and complex scripts), and values cut short at <see cref="PdfExportOptions.MaxCellCharacters"/>.
/// Each is said in the export's warnings (CLI output, job manifest) and on the PDF's first page.
/// </summary>
internal sealed class PdfNotes
{
    /// <summary>Gets the texts with characters no font has.</summary>
    public List<PdfMissingValue> Missing { get; } = [];

    /// <summary>Gets the texts in scripts drawn unshaped or in stored (not visual) order.</summary>
    public List<PdfMissingValue> Unshaped { get; } = [];

    /// <summary>Gets where texts hold control characters (drawn as spaces; tabs and line breaks aside) or Unicode tag characters (U+E0020 to U+E007F, left out where no font has them).</summary>
    public List<string> Hidden { get; } = [];

    /// <summary>Gets where values were cut short.</summary>
    public List<string> Truncated { get; } = [];

    /// <summary>The marker that ends a value cut short.</summary>
    /// <param name="omitted">The characters not shown.</param>
    /// <returns>The marker, on a line of its own.</returns>
    public static string Marker(int omitted) =>
        string.Create(CultureInfo.InvariantCulture, $"\n… (truncated: {omitted:N0} more characters; the full value is in the JSON and CSV files)");

    /// <summary>The scripts of a list of notes, each named once, in order.</summary>
    /// <param name="notes">The notes.</param>
    /// <returns>For example "Arabic, Hebrew".</returns>
    public static string ScriptsOf(IEnumerable<PdfMissingValue> notes) =>
        string.Join(", ", notes.SelectMany(m => m.Scripts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>Notes what of a text cannot be shown as stored.</summary>
    /// <param name="text">The fonts.</param>
    /// <param name="where">Where the text is, for people.</param>
    /// <param name="value">The text as it will be drawn.</param>
    public void Check(PdfTextRuns text, string where, string value)
    {
        if (PdfExporter.Scripts(text, value) is { Count: > 0 } missing)
        {
            Missing.Add(new PdfMissingValue(where, missing));
        }

        if (UnicodeScripts.Unshaped(value) is { Count: > 0 } unshaped)
        {
            Unshaped.Add(new PdfMissingValue(where, unshaped));
        }

        if (HasHidden(text, value))
        {
            Hidden.Add(where);
        }
    }

    /// <summary>Whether a text holds characters the PDF draws as spaces or leaves out: controls other than tab and line breaks, and tag characters no font has.</summary>
    private static bool HasHidden(PdfTextRuns text, string value)
    {
        foreach (var c in value)
        {
            if ((c < ' ' && c is not '\t' and not '\n' and not '\r') || (c >= '\u007F' && c <= '\u009F'))
            {
                return true;
            }

            if (char.IsHighSurrogate(c))
            {
                foreach (var rune in value.EnumerateRunes())
                {
                    if (rune.Value is >= 0xE0000 and <= 0xE007F && !text.Covers(rune))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// A value cut to at most <paramref name="max"/> characters (Unicode code points) with <see cref="Marker"/>, or the
    /// value when it is short enough. The cut is at the last boundary between characters as read (text elements: a letter
    /// with its accents, an emoji sequence, a flag) at or below the limit, so none is cut in half.
    /// </summary>
    /// <param name="value">The value's text.</param>
    /// <param name="max">The most characters shown.</param>
    /// <param name="where">Where the value is, for people.</param>
    /// <returns>The text to draw.</returns>
    public string Cap(string value, int max, string where)
    {
        if (value.Length <= max)
        {
            return value;
        }

        // Where the limit falls, in UTF-16 units (at a code point boundary).
        var limit = 0;
        var runes = 0;
        while (limit < value.Length && runes < max)
        {
            limit += char.IsSurrogatePair(value, limit) ? 2 : 1;
            runes++;
        }

        if (limit == value.Length)
        {
            return value;
        }

        // The last text-element boundary at or below the limit (a lone element longer than the limit is cut at the limit).
        var cut = 0;
        while (cut < limit)
        {
            var next = cut + StringInfo.GetNextTextElementLength(value.AsSpan(cut));
            if (next > limit)
            {
                break;
            }

            cut = next;
        }

        cut = cut == 0 ? limit : cut;
        var omitted = 0;
        foreach (var unused in value.AsSpan(cut).EnumerateRunes())
        {
            omitted++;
        }

        Truncated.Add(where);
        return value[..cut] + Marker(omitted);
    }

    /// <summary>The warnings of unshaped and cut values (those of missing characters are <see cref="PdfExporter.Warnings"/>).</summary>
    /// <param name="max">The most characters of a value shown.</param>
    /// <returns>The warnings.</returns>
    public IEnumerable<string> Warnings(int max)
    {
        if (Unshaped.Count > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"PDF: values in {ScriptsOf(Unshaped)} are shown unshaped (letters not joined, right-to-left text left to right, marks not placed: PDFsharp does no text shaping) in {Unshaped.Count:N0} place(s) ({List(Unshaped.Select(u => u.Where), 5)}). The PDF's first page says so; the JSON and CSV files hold them exactly.");
        }

        if (Hidden.Count > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"PDF: {Hidden.Count:N0} value(s) contain control characters (shown as spaces; tabs and line breaks aside) or invisible Unicode tag characters (left out) in the PDF ({List(Hidden, 5)}). The PDF's first page says so; the JSON and CSV files hold them exactly.");
        }

        if (Truncated.Count > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"PDF: {Truncated.Count:N0} value(s) longer than {max:N0} characters are cut short in the PDF ({List(Truncated, 5)}); the full values are in the JSON and CSV files.");
        }
    }

    /// <summary>The first items of a list, joined, and how many more there are.</summary>
    /// <param name="items">The items.</param>
    /// <param name="count">How many to name.</param>
    /// <returns>For example "a; b and 3 more".</returns>
    public static string List(IEnumerable<string> items, int count)
    {
        var all = items.ToList();
        var more = all.Count > count ? string.Create(CultureInfo.InvariantCulture, $" and {all.Count - count:N0} more") : string.Empty;
        return string.Join("; ", all.Take(count)) + more;
    }
}
