using System.Globalization;
using System.Text;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using PdfSharp.UniversalAccessibility;

namespace DataGuard.Export;

/// <summary>
/// Flows content down A4 pages: title, headings (with bookmarks), paragraphs, call-outs, tables whose header row
/// repeats on each page, and cards; a page header (subject, date) and "Page i of n" on every page. Each character is
/// drawn with the first font that has it (<see cref="PdfTextRuns"/>). Content is tagged for screen readers (PDFsharp's
/// UAManager: H1/H2, P, Table/TR/TH/TD; page headers and footers as artifacts). Built twice: a dry run without a
/// document counts the pages, then the real run draws them.
/// </summary>
internal sealed class PdfLayout : IDisposable
{
    public const double BodySize = 8.5;
    private const double Margin = 40;
    private const double Top = 52;
    private const double Bottom = 44;
    private const double Padding = 3;
    private static readonly XColor Ink = XColor.FromArgb(33, 37, 41);
    private static readonly XSolidBrush InkBrush = new(Ink);
    private static readonly XSolidBrush MutedBrush = new(XColor.FromArgb(95, 99, 104));
    private static readonly XSolidBrush HeaderFill = new(XColor.FromArgb(226, 232, 240));
    private static readonly XSolidBrush ZebraFill = new(XColor.FromArgb(245, 247, 250));
    private static readonly XSolidBrush CalloutFill = new(XColor.FromArgb(255, 243, 205));
    private static readonly XPen RulePen = new(XColor.FromArgb(203, 213, 225), 0.6);
    private readonly PdfDocument? _document;
    private readonly PdfTextRuns _text;
    private readonly string _header;
    private readonly int _totalPages;
    private readonly StructureBuilder? _structure;
    private readonly CancellationToken _cancellationToken;
    private PdfPage? _page;
    private XGraphics? _graphics;
    private double _y;

    /// <summary>Initializes a new instance of the <see cref="PdfLayout"/> class.</summary>
    /// <param name="document">The document to draw into, or <see langword="null"/> for the dry run that counts pages.</param>
    /// <param name="text">The fonts and measuring.</param>
    /// <param name="header">The page header (subject and date).</param>
    /// <param name="totalPages">The page count from the dry run (unused in the dry run).</param>
    /// <param name="language">The document's language.</param>
    /// <param name="tagged">Whether to build the structure tree (PDFsharp's UAManager costs time per page drawn so far: long documents are not tagged).</param>
    /// <param name="cancellationToken">Stops the layout (checked per paragraph, table row and card).</param>
    public PdfLayout(PdfDocument? document, PdfTextRuns text, string header, int totalPages, string language, bool tagged = true, CancellationToken cancellationToken = default)
    {
        _cancellationToken = cancellationToken;
        _document = document;
        _text = text;
        _header = header;
        _totalPages = totalPages;
        if (document is not null)
        {
            document.Language = language;
            document.ViewerPreferences.DisplayDocTitle = true;
        }

        if (document is not null && tagged)
        {
            var ua = UAManager.ForDocument(document);
            ua.SetDocumentLanguage(language);
            _structure = ua.StructureBuilder;
        }

        NewPage();
    }

    /// <summary>Gets the pages so far.</summary>
    public int Pages { get; private set; }

    /// <summary>What a field without a value (SQL NULL) shows, in grey.</summary>
    public const string NullText = "(none)";

    /// <summary>What a field holding empty text shows, in grey.</summary>
    public const string EmptyText = "(empty)";

    /// <summary>Gets the width between the margins.</summary>
    public static double Width => 595.28 - (2 * Margin);

    private static double PageHeight => 841.89;

    private static double LineHeight(double size) => Math.Round(size * 1.32, 2);

    public void Title(string text, string? aside)
    {
        Begin(PdfBlockLevelElementTag.Heading1);
        Bookmark(text);
        DrawLines(_text.Wrap(text, true, 17, Width), true, 17, Margin, InkBrush);
        End();
        if (aside is not null)
        {
            Paragraph(aside, muted: true);
        }

        _y += 4;
    }

    /// <summary>A section heading with a bookmark; <paramref name="aside"/> (e.g. the technical name) follows in small grey type.</summary>
    public void Heading(string text, string? aside)
    {
        var lines = _text.Wrap(text, true, 12.5, Width);
        Ensure(LineHeight(12.5) * lines.Count + 40);
        _y += 8;
        Begin(PdfBlockLevelElementTag.Heading1);
        Bookmark(text);
        DrawLines(lines, true, 12.5, Margin, InkBrush);
        End();
        if (aside is not null)
        {
            Paragraph(aside, muted: true);
        }

        _y += 3;
    }

    public void SubHeading(string text)
    {
        Ensure(LineHeight(10) + 30);
        _y += 6;
        Begin(PdfBlockLevelElementTag.Heading2);
        DrawLines(_text.Wrap(text, true, 10, Width), true, 10, Margin, InkBrush);
        End();
        _y += 2;
    }

    /// <summary>The text drawn for a value: <see cref="NullText"/> for no value, <see cref="EmptyText"/> for empty text, else the value.</summary>
    /// <param name="value">The value's text.</param>
    /// <returns>The text to draw.</returns>
    public static string Shown(string? value) => value is null ? NullText : value.Length == 0 ? EmptyText : value;

    public void Paragraph(string text, bool bold = false, bool muted = false)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        Begin(PdfBlockLevelElementTag.Paragraph);
        DrawLines(_text.Wrap(text, bold, BodySize, Width), bold, BodySize, Margin, muted ? MutedBrush : InkBrush);
        End();
        _y += 2;
    }

    /// <summary>A shaded box (warnings): its lines as paragraphs.</summary>
    public void Callout(IReadOnlyList<(string Text, bool Bold)> paragraphs)
    {
        var wrapped = paragraphs.Select(p => (Lines: _text.Wrap(p.Text, p.Bold, BodySize, Width - (4 * Padding)), p.Bold)).ToList();
        var height = wrapped.Sum(w => w.Lines.Count * LineHeight(BodySize)) + (4 * Padding);
        Ensure(Math.Min(height, 200));
        if (_graphics is not null && height < PageHeight - Bottom - _y)
        {
            Artifact(() => _graphics.DrawRectangle(CalloutFill, Margin, _y, Width, height));
        }

        _y += 2 * Padding;
        foreach (var (lines, bold) in wrapped)
        {
            Begin(PdfBlockLevelElementTag.Paragraph);
            DrawLines(lines, bold, BodySize, Margin + (2 * Padding), InkBrush);
            End();
        }

        _y += (2 * Padding) + 4;
    }

    /// <summary>Column widths for a table that fit the page, or <see langword="null"/> when the columns cannot each get a readable width (print cards).</summary>
    public static double[]? ColumnWidths(PdfTextRuns text, IReadOnlyList<string> headers, IEnumerable<string?[]> sample, double size)
    {
        var natural = headers.Select(h => Math.Min(text.Measure(h, true, size), 90) + (2 * Padding) + 1).ToArray();
        var minimum = headers.Select(h => Math.Min(text.LongestWord(h, true, size), 90) + (2 * Padding) + 1).ToArray();
        foreach (var row in sample)
        {
            for (var i = 0; i < natural.Length; i++)
            {
                var value = Shown(row[i]);
                var head = value.Length > 200 ? value[..200] : value;
                natural[i] = Math.Max(natural[i], Math.Min(text.Measure(head, false, size), 260) + (2 * Padding) + 1);
                minimum[i] = Math.Max(minimum[i], Math.Min(text.LongestWord(head, false, size), 90) + (2 * Padding) + 1);
            }
        }

        if (minimum.Sum() > Width)
        {
            return null;
        }

        // Water-filling: columns that need less than an equal share keep their natural width, the rest share what is left.
        var widths = new double[natural.Length];
        var open = Enumerable.Range(0, natural.Length).ToList();
        var left = Width;
        while (open.Count > 0)
        {
            var share = left / open.Count;
            var small = open.Where(i => natural[i] <= share).ToList();
            if (small.Count == 0)
            {
                foreach (var i in open)
                {
                    widths[i] = Math.Max(share, minimum[i]);
                }

                break;
            }

            foreach (var i in small)
            {
                widths[i] = natural[i];
                left -= natural[i];
                open.Remove(i);
            }
        }

        var total = widths.Sum();
        return widths.Select(w => w * Width / total).ToArray();
    }

    /// <summary>A table: a header row (repeated at the top of each page it continues on), zebra rows, wrapped cells.</summary>
    public void Table(IReadOnlyList<string> headers, double[] widths, IEnumerable<string?[]> rows, double size)
    {
        var headerLines = headers.Select((h, i) => _text.Wrap(h, true, size, widths[i] - (2 * Padding))).ToList();
        var headerHeight = (headerLines.Max(l => l.Count) * LineHeight(size)) + (2 * Padding);
        Ensure(headerHeight + LineHeight(size) + (2 * Padding));
        Begin(PdfBlockLevelElementTag.Table);
        Begin(PdfBlockLevelElementTag.TableHeadRowGroup);
        DrawHeader(headerLines, widths, headerHeight, size, tagged: true);
        End();
        Begin(PdfBlockLevelElementTag.TableBodyRowGroup);
        var index = 0;
        foreach (var row in rows)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var cells = row.Select((v, i) => _text.Wrap(Shown(v), false, size, widths[i] - (2 * Padding))).ToList();
            var lines = cells.Max(c => c.Count);
            var fill = index++ % 2 == 1 ? ZebraFill : null;
            Begin(PdfBlockLevelElementTag.TableRow);
            var from = 0;
            while (from < lines)
            {
                var room = (int)Math.Floor((PageHeight - Bottom - _y - (2 * Padding)) / LineHeight(size));
                if (room < Math.Min(lines - from, 2))
                {
                    NewPage();
                    DrawHeader(headerLines, widths, headerHeight, size, tagged: false);
                    continue;
                }

                var take = Math.Min(room, lines - from);
                var height = (take * LineHeight(size)) + (2 * Padding);
                if (fill is not null && _graphics is not null)
                {
                    Artifact(() => _graphics.DrawRectangle(fill, Margin, _y, Width, height));
                }

                var x = Margin;
                for (var c = 0; c < cells.Count; c++)
                {
                    Begin(PdfBlockLevelElementTag.TableDataCell);
                    var y = _y + Padding;
                    for (var l = from; l < Math.Min(cells[c].Count, from + take); l++)
                    {
                        DrawLine(cells[c][l], false, size, x + Padding, y, string.IsNullOrEmpty(row[c]) ? MutedBrush : InkBrush);
                        y += LineHeight(size);
                    }

                    End();
                    x += widths[c];
                }

                _y += height;
                from += take;
            }

            End();
            Rule();
        }

        End();
        End();
        _y += 6;
    }

    /// <summary>One row of a wide table as a card: a caption, then a line per column (label, value), wrapped.</summary>
    public void Card(string caption, IReadOnlyList<string> keys, IReadOnlyList<string?> values)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var keyWidth = Math.Min(Width * 0.3, 150);
        var items = keys.Select((k, i) => (Key: _text.Wrap(k, true, BodySize, keyWidth - (2 * Padding)), Value: _text.Wrap(Shown(values[i]), false, BodySize, Width - keyWidth - (2 * Padding)), Null: string.IsNullOrEmpty(values[i]))).ToList();
        var lh = LineHeight(BodySize);
        var height = lh + (2 * Padding) + items.Sum(i => (Math.Max(i.Key.Count, i.Value.Count) * lh) + 2);
        Ensure(Math.Min(height, PageHeight - Top - Bottom) + 4);
        Begin(PdfBlockLevelElementTag.Table);
        Begin(PdfBlockLevelElementTag.TableRow);
        Begin(PdfBlockLevelElementTag.TableHeaderCell);
        if (_graphics is not null)
        {
            Artifact(() => _graphics.DrawRectangle(HeaderFill, Margin, _y, Width, lh + (2 * Padding)));
        }

        DrawLine(caption, true, BodySize, Margin + Padding, _y + Padding, InkBrush);
        End();
        End();
        _y += lh + (2 * Padding);
        foreach (var (key, value, isNull) in items)
        {
            Begin(PdfBlockLevelElementTag.TableRow);
            var lines = Math.Max(key.Count, value.Count);
            for (var l = 0; l < lines; l++)
            {
                Ensure(lh);
                if (l < key.Count)
                {
                    Begin(PdfBlockLevelElementTag.TableHeaderCell);
                    DrawLine(key[l], true, BodySize, Margin + Padding, _y, MutedBrush);
                    End();
                }

                if (l < value.Count)
                {
                    Begin(PdfBlockLevelElementTag.TableDataCell);
                    DrawLine(value[l], false, BodySize, Margin + keyWidth, _y, isNull ? MutedBrush : InkBrush);
                    End();
                }

                _y += lh;
            }

            _y += 2;
            End();
        }

        End();
        Rule();
        _y += 6;
    }

    public void Space(double points) => _y += points;

    /// <summary>Opens a section of the structure tree (the first page, each table).</summary>
    public void BeginSection() => _structure?.BeginElement(PdfGroupingElementTag.Section);

    /// <summary>Closes the section.</summary>
    public void EndSection() => End();

    public void Dispose() => _graphics?.Dispose();

    private void DrawHeader(List<List<string>> headerLines, double[] widths, double height, double size, bool tagged)
    {
        if (_graphics is not null)
        {
            Artifact(() => _graphics.DrawRectangle(HeaderFill, Margin, _y, Width, height));
        }

        var x = Margin;
        if (!tagged)
        {
            BeginArtifact();
        }
        else
        {
            Begin(PdfBlockLevelElementTag.TableRow);
        }

        for (var c = 0; c < headerLines.Count; c++)
        {
            if (tagged)
            {
                Begin(PdfBlockLevelElementTag.TableHeaderCell);
            }

            var y = _y + Padding;
            foreach (var line in headerLines[c])
            {
                DrawLine(line, true, size, x + Padding, y, InkBrush);
                y += LineHeight(size);
            }

            if (tagged)
            {
                End();
            }

            x += widths[c];
        }

        End();
        _y += height;
    }

    private void Rule()
    {
        if (_graphics is not null)
        {
            Artifact(() => _graphics.DrawLine(RulePen, Margin, _y, Margin + Width, _y));
        }
    }

    private void DrawLines(List<string> lines, bool bold, double size, double x, XBrush brush)
    {
        foreach (var line in lines)
        {
            Ensure(LineHeight(size));
            DrawLine(line, bold, size, x, _y, brush);
            _y += LineHeight(size);
        }
    }

    private void DrawLine(string line, bool bold, double size, double x, double y, XBrush brush)
    {
        if (_graphics is not null)
        {
            _text.Draw(_graphics, line, bold, size, x, y, brush);
        }
    }

    private void Ensure(double height)
    {
        if (_y + height > PageHeight - Bottom)
        {
            NewPage();
        }
    }

    private void NewPage()
    {
        Pages++;
        _y = Top;
        if (_document is null)
        {
            return;
        }

        // Add the page before disposing of the previous page's graphics: when a paragraph or cell continues on the new
        // page, PDFsharp's UAManager ends its marked content on the previous page's graphics as the page is added.
        var previous = _graphics;
        _page = _document.AddPage();
        previous?.Dispose();
        _page.Size = PdfSharp.PageSize.A4;
        _graphics = XGraphics.FromPdfPage(_page);
        var graphics = _graphics;
        BeginArtifact();
        _text.Draw(graphics, _text.Fit(_header, false, 7.5, Width), false, 7.5, Margin, 24, MutedBrush);
        graphics.DrawLine(RulePen, Margin, 36, Margin + Width, 36);
        var number = string.Create(CultureInfo.InvariantCulture, $"Page {Pages} of {Math.Max(_totalPages, Pages)}");
        var width = _text.Measure(number, false, 7.5);
        _text.Draw(graphics, number, false, 7.5, Margin + ((Width - width) / 2), PageHeight - 30, MutedBrush);
        End();
    }

    private void Bookmark(string text)
    {
        if (_document is not null && _page is not null)
        {
            _document.Outlines.Add(text, _page, true);
        }
    }

    private void Begin(PdfBlockLevelElementTag tag) => _structure?.BeginElement(tag);

    private void BeginArtifact() => _structure?.BeginArtifact();

    private void End() => _structure?.End();

    private void Artifact(Action draw)
    {
        BeginArtifact();
        draw();
        End();
    }
}
