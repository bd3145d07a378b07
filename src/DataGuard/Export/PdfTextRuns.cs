using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace DataGuard.Export;

/// <summary>
/// Text in a PDF export: each character drawn with the first font of the <see cref="PdfFontSet"/> that has a glyph for
/// it (runs of one font each, since PDFsharp does no fallback of its own); characters no font has are replaced by
/// U+FFFD, never dropped silently (<see cref="Missing"/> finds them first, for the export's warnings); measuring and
/// wrapping over those runs.
/// </summary>
internal sealed class PdfTextRuns
{
    private const string Replacement = "\uFFFD";
    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);
    private readonly PdfFontSet _fonts;
    private readonly int _primary;
    private readonly string _replacement;
    private readonly Dictionary<(int Font, double Size, bool Bold), XFont> _cache = [];
    private readonly Dictionary<(int CodePoint, double Size, bool Bold), double> _advances = [];
    private readonly XGraphics _measure;
    private readonly bool _asciiCovered;

    public PdfTextRuns(PdfFontSet fonts)
    {
        _fonts = fonts;
        _primary = fonts.Primary();
        _replacement = fonts.Font(_primary).Covers(0xFFFD) ? Replacement : "?";
        _asciiCovered = Enumerable.Range(0x20, 0x5F).All(c => fonts.FontFor(new Rune(c)) == _primary);
        _measure = XGraphics.CreateMeasureContext(new XSize(595.28, 841.89), XGraphicsUnit.Point, XPageDirection.Downwards);
    }

    /// <summary>The characters of a text that no font has (invisible joiners and variation selectors aside).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The characters, in order, possibly repeated; empty when every one can be shown.</returns>
    public IEnumerable<Rune> Missing(string text)
    {
        if (_asciiCovered && IsPrintableAscii(text))
        {
            yield break;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value >= 0x20 && !Rune.IsControl(rune) && _fonts.FontFor(rune) < 0 && !UnicodeScripts.IsIgnorable(rune))
            {
                yield return rune;
            }
        }
    }

    /// <summary>Whether a font has the character.</summary>
    /// <param name="rune">The character.</param>
    /// <returns>True when it is drawn.</returns>
    public bool Covers(Rune rune) => _fonts.FontFor(rune) >= 0;

    /// <summary>
    /// The text as drawn: control characters as spaces (tabs as four), characters no font has as U+FFFD. Not normalised:
    /// the characters of the subject's data are drawn as stored (NFC would turn CJK compatibility ideographs, the
    /// Ångström and Ohm signs and others into other characters).
    /// </summary>
    public string Clean(string text)
    {
        if (_asciiCovered && IsPrintableAscii(text))
        {
            return text;
        }

        if (text.Contains('\r', StringComparison.Ordinal))
        {
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        }

        StringBuilder? builder = null;
        var i = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var replace = rune.Value == '\n' ? null : rune.Value == '\t' ? "    " : Rune.IsControl(rune) ? " " : _fonts.FontFor(rune) < 0 ? (UnicodeScripts.IsIgnorable(rune) ? string.Empty : _replacement) : null;
            if (replace is not null && builder is null)
            {
                builder = new StringBuilder(text.Length).Append(text, 0, i);
            }

            if (replace is not null)
            {
                builder!.Append(replace);
            }
            else
            {
                builder?.Append(rune.ToString());
            }

            i += rune.Utf16SequenceLength;
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>Gets how many characters were measured so far: wrapping measures each character of a text a bounded number of times (linear in its length).</summary>
    internal long MeasuredCharacters { get; private set; }

    public double Measure(string text, bool bold, double size)
    {
        MeasuredCharacters += text.Length;
        double width = 0;
        foreach (var (run, font) in Runs(text, bold, size))
        {
            width += _measure.MeasureString(run, font).Width;
        }

        return width;
    }

    /// <summary>The widest word (a run between spaces), for a column's least readable width.</summary>
    public double LongestWord(string text, bool bold, double size)
    {
        double widest = 0;
        foreach (var word in text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            widest = Math.Max(widest, Measure(word.Length > 40 ? word[..40] : word, bold, size));
        }

        return widest;
    }

    /// <summary>Gets a value indicating whether text beyond the Basic Multilingual Plane was drawn (its ToUnicode entries need <see cref="PdfToUnicodeRepair"/>).</summary>
    public bool DrewBeyondBmp { get; private set; }

    public void Draw(XGraphics graphics, string line, bool bold, double size, double x, double y, XBrush brush)
    {
        if (!DrewBeyondBmp && line.Any(char.IsSurrogate))
        {
            DrewBeyondBmp = true;
        }

        foreach (var (run, font) in Runs(line, bold, size))
        {
            graphics.DrawString(run, font, brush, new XPoint(x, y), XStringFormats.TopLeft);
            x += _measure.MeasureString(run, font).Width;
        }
    }

    /// <summary>
    /// The text cut into lines no wider than <paramref name="width"/>: at spaces where possible, anywhere (never inside a
    /// surrogate pair) otherwise. Linear in the text's length: each character's advance is measured once (and cached per
    /// font and size), never the whole remaining text per line.
    /// </summary>
    public List<string> Wrap(string text, bool bold, double size, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in Clean(text).Split('\n'))
        {
            WrapParagraph(paragraph.TrimEnd('\r'), bold, size, width, lines);
        }

        return lines;
    }

    /// <summary>The text on one line, cut with "…" when too wide.</summary>
    public string Fit(string text, bool bold, double size, double width)
    {
        text = Clean(text).Replace('\n', ' ');
        return Measure(text, bold, size) <= width ? text : text[..FittingLength(text, bold, size, width - Measure("…", bold, size))] + "…";
    }

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private IEnumerable<(string Text, XFont Font)> Runs(string text, bool bold, double size)
    {
        if (_asciiCovered && IsPrintableAscii(text))
        {
            yield return (text, FontOf(_primary, size, bold));
            yield break;
        }

        var start = 0;
        var font = -1;
        var i = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            // The first font that has the character (so "Cake 🍰 #4" goes back to the text font after the emoji).
            var next = _fonts.FontFor(rune);
            next = next < 0 ? _primary : next;
            if (font >= 0 && next != font)
            {
                yield return (text[start..i], FontOf(font, size, bold));
                start = i;
            }

            font = next;

            i += rune.Utf16SequenceLength;
        }

        if (i > start)
        {
            yield return (text[start..], FontOf(font < 0 ? _primary : font, size, bold));
        }
    }

    private XFont FontOf(int index, double size, bool bold)
    {
        if (!_cache.TryGetValue((index, size, bold), out var font))
        {
            var file = _fonts.Font(index);
            var boldFile = bold ? _fonts.BoldOf(file) : null;
            var family = PdfFonts.Family(boldFile ?? file.Path, simulateBold: bold && boldFile is null);
            font = new XFont(family, size, XFontStyleEx.Regular, Unicode);
            _cache[(index, size, bold)] = font;
        }

        return font;
    }

    /// <summary>The longest prefix (at least one character, never half a surrogate pair) that fits: one pass over the characters.</summary>
    private int FittingLength(string text, bool bold, double size, double width)
    {
        double used = 0;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
            used += Advance(rune, bold, size);
            if (used > width && i > 0)
            {
                break;
            }

            i += length;
        }

        return i;
    }

    /// <summary>Appends a paragraph's lines: a line ends at its last space when that keeps at least 30% of it, else at the character that overflows.</summary>
    private void WrapParagraph(string text, bool bold, double size, double width, List<string> lines)
    {
        var start = 0;
        double used = 0;            // width of text[start..i]
        var space = -1;             // index after the line's last space
        double afterSpace = 0;      // width of text[space..i]
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length);
            var advance = Advance(rune, bold, size);
            while (used + advance > width && i > start)
            {
                if (space > start && space - start > (i - start) * 0.3)
                {
                    lines.Add(text[start..space].TrimEnd());
                    (start, used) = (space, afterSpace);
                }
                else
                {
                    lines.Add(text[start..i].TrimEnd());
                    (start, used) = (i, 0);
                }

                (space, afterSpace) = (-1, 0);
            }

            used += advance;
            afterSpace += advance;
            if (rune.Value == ' ')
            {
                (space, afterSpace) = (i + length, 0);
            }

            i += length;
        }

        lines.Add(text[start..]);
    }

    /// <summary>The advance width of one character in the font that draws it (cached).</summary>
    private double Advance(Rune rune, bool bold, double size)
    {
        MeasuredCharacters++;
        if (!_advances.TryGetValue((rune.Value, size, bold), out var advance))
        {
            var font = _fonts.FontFor(rune);
            advance = _measure.MeasureString(rune.ToString(), FontOf(font < 0 ? _primary : font, size, bold)).Width;
            _advances[(rune.Value, size, bold)] = advance;
        }

        return advance;
    }
}
