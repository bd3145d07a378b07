using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace DataGuard.Export;

/// <summary>Flows text down A4 pages: headings, lines, grids and key/value blocks, wrapping long text and switching to the fallback font for CJK runs.</summary>
internal sealed class PdfLayout : IDisposable
{
    private const double Margin = 40;
    private const double LineHeight = 11.5;
    private readonly PdfDocument _document;
    private readonly PdfFonts _fonts;
    private readonly XFont _text;
    private readonly XFont _bold;
    private readonly XFont _heading;
    private readonly XFont _title;
    private readonly XFont? _fallback;
    private PdfPage _page = null!;
    private XGraphics _graphics = null!;
    private double _y;

    public PdfLayout(PdfDocument document, PdfFonts fonts)
    {
        _document = document;
        _fonts = fonts;
        var unicode = new XPdfFontOptions(PdfFontEncoding.Unicode);
        _text = new XFont(PdfFonts.Text, 8.5, XFontStyleEx.Regular, unicode);
        _bold = new XFont(PdfFonts.Text, 8.5, XFontStyleEx.Bold, unicode);
        _heading = new XFont(PdfFonts.Text, 12, XFontStyleEx.Bold, unicode);
        _title = new XFont(PdfFonts.Text, 18, XFontStyleEx.Bold, unicode);
        _fallback = fonts.HasFallback ? new XFont(PdfFonts.Fallback, 8.5, XFontStyleEx.Regular, unicode) : null;
        NewPage();
    }

    private double Width => _page.Width.Point - (2 * Margin);

    public void Title(string text)
    {
        Ensure(30);
        _graphics.DrawString(Printable(text), _title, XBrushes.Black, new XPoint(Margin, _y), XStringFormats.TopLeft);
        _y += 28;
    }

    public void Heading(string text)
    {
        Ensure(40);
        _y += 8;
        _graphics.DrawString(Printable(text), _heading, XBrushes.Black, new XPoint(Margin, _y), XStringFormats.TopLeft);
        _y += 18;
    }

    public void Line(string text, bool bold = false)
    {
        foreach (var line in Wrap(text, bold ? _bold : _text, Width))
        {
            Ensure(LineHeight);
            Draw(line, bold ? _bold : _text, Margin, _y);
            _y += LineHeight;
        }
    }

    /// <summary>One grid row: cells side by side in equal columns, each wrapped.</summary>
    public void GridRow(IReadOnlyList<string?> cells, bool header)
    {
        var font = header ? _bold : _text;
        var columnWidth = Width / cells.Count;
        var wrapped = cells.Select(c => Wrap(c ?? "(null)", font, columnWidth - 4)).ToList();
        var height = (wrapped.Max(w => w.Count) * LineHeight) + 3;
        Ensure(height);
        for (var i = 0; i < wrapped.Count; i++)
        {
            for (var l = 0; l < wrapped[i].Count; l++)
            {
                Draw(wrapped[i][l], font, Margin + (i * columnWidth), _y + (l * LineHeight));
            }
        }

        _y += height;
        _graphics.DrawLine(XPens.LightGray, Margin, _y - 1.5, Margin + Width, _y - 1.5);
    }

    /// <summary>One row of a wide table: a key/value line per column.</summary>
    public void Block(string caption, IReadOnlyList<string> keys, IReadOnlyList<string?> values)
    {
        Ensure(LineHeight * 2);
        Draw(caption, _bold, Margin, _y);
        _y += LineHeight;
        var keyWidth = Math.Min(Width * 0.3, 160);
        for (var i = 0; i < keys.Count; i++)
        {
            var lines = Wrap(values[i] ?? "(null)", _text, Width - keyWidth - 6);
            for (var l = 0; l < lines.Count; l++)
            {
                Ensure(LineHeight);
                if (l == 0)
                {
                    Draw(Fit(keys[i], _bold, keyWidth - 4), _bold, Margin + 6, _y);
                }

                Draw(lines[l], _text, Margin + keyWidth, _y);
                _y += LineHeight;
            }
        }

        _y += 4;
    }

    /// <summary>Draws "Page i of n" on every page.</summary>
    public void NumberPages()
    {
        _graphics.Dispose();
        var count = _document.PageCount;
        for (var i = 0; i < count; i++)
        {
            var page = _document.Pages[i];
            using var graphics = XGraphics.FromPdfPage(page, XGraphicsPdfPageOptions.Append);
            var text = string.Create(CultureInfo.InvariantCulture, $"Page {i + 1} of {count}");
            graphics.DrawString(text, _text, XBrushes.Gray, new XRect(0, page.Height.Point - 28, page.Width.Point, 12), XStringFormats.Center);
        }

        _graphics = null!;
    }

    public void Dispose() => _graphics?.Dispose();

    private static bool IsCjk(Rune rune) => rune.Value is >= 0x2E80 and <= 0x9FFF or >= 0xAC00 and <= 0xD7AF or >= 0xF900 and <= 0xFAFF or >= 0xFF00 and <= 0xFFEF or >= 0x20000 and <= 0x2FA1F;

    private void NewPage()
    {
        _graphics?.Dispose();
        _page = _document.AddPage();
        _page.Size = PdfSharp.PageSize.A4;
        _graphics = XGraphics.FromPdfPage(_page);
        _y = Margin;
    }

    private void Ensure(double height)
    {
        if (_y + height > _page.Height.Point - Margin - 10)
        {
            NewPage();
        }
    }

    /// <summary>Control characters become spaces; CJK becomes □ when no fallback font is installed.</summary>
    private string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune))
            {
                builder.Append(' ');
            }
            else if (_fallback is null && IsCjk(rune))
            {
                builder.Append('□');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    /// <summary>The text cut into runs of one font each.</summary>
    private IEnumerable<(string Text, XFont Font)> Runs(string text, XFont font)
    {
        if (_fallback is null)
        {
            yield return (text, font);
            yield break;
        }

        var run = new StringBuilder();
        var cjk = false;
        foreach (var rune in text.EnumerateRunes())
        {
            var isCjk = IsCjk(rune);
            if (run.Length > 0 && isCjk != cjk)
            {
                yield return (run.ToString(), cjk ? _fallback : font);
                run.Clear();
            }

            cjk = isCjk;
            run.Append(rune.ToString());
        }

        if (run.Length > 0)
        {
            yield return (run.ToString(), cjk ? _fallback : font);
        }
    }

    private double Measure(string text, XFont font) => Runs(text, font).Sum(r => _graphics.MeasureString(r.Text, r.Font).Width);

    private void Draw(string text, XFont font, double x, double y)
    {
        foreach (var (run, runFont) in Runs(text, font))
        {
            _graphics.DrawString(run, runFont, XBrushes.Black, new XPoint(x, y), XStringFormats.TopLeft);
            x += _graphics.MeasureString(run, runFont).Width;
        }
    }

    private string Fit(string text, XFont font, double width)
    {
        text = Printable(text);
        return Measure(text, font) <= width ? text : text[..FittingLength(text, font, width - Measure("…", font))] + "…";
    }

    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var rest = Printable(paragraph.TrimEnd('\r'));
            while (rest.Length > 0 && Measure(rest, font) > width)
            {
                var cut = FittingLength(rest, font, width);
                var space = rest.LastIndexOf(' ', cut - 1, cut);
                if (space > cut * 0.6)
                {
                    cut = space + 1;
                }

                lines.Add(rest[..cut].TrimEnd());
                rest = rest[cut..];
            }

            lines.Add(rest);
        }

        return lines;
    }

    /// <summary>The longest prefix (at least one character, never half a surrogate pair) that fits.</summary>
    private int FittingLength(string text, XFont font, double width)
    {
        int low = 1, high = text.Length;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (Measure(text[..middle], font) <= width)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (low < text.Length && char.IsHighSurrogate(text[low - 1]))
        {
            low = low > 1 ? low - 1 : low + 1;
        }

        return Math.Min(low, text.Length);
    }
}
