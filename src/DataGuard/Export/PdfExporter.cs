using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using PdfSharp.Pdf;

namespace DataGuard.Export;

/// <summary>
/// PDF: a report for the person the data is about (PDFsharp). The first page says what data there is (per category,
/// with row counts), why it is kept, for how long, where it came from, how to exercise one's rights, what the export
/// covers, and which values could not be shown as stored (no font has some of their characters, their script needs
/// shaping PDFsharp does not do, or they are longer than <see cref="PdfExportOptions.MaxCellCharacters"/>; the JSON and
/// CSV files hold them exactly). Then one section per table, with a bookmark: a real table when it has few columns, one card per
/// row otherwise. Page headers, page numbers, document language and title, tagged structure. The PDF is built in
/// memory: at most <see cref="PdfExportOptions.MaxRowsPerTable"/> rows per table are read and shown.
/// </summary>
internal sealed class PdfExporter : IExporter, IReportingExporter
{
    private const double TableSize = 8;

    /// <summary>The longest PDF that gets a structure tree: PDFsharp 6.2's UAManager searches its parent tree on each string drawn.</summary>
    private const int MaxTaggedPages = 200;
    private readonly IOptions<PdfExportOptions> _options;

    /// <summary>Initializes a new instance of the <see cref="PdfExporter"/> class.</summary>
    /// <param name="options">The PDF options.</param>
    public PdfExporter(IOptions<PdfExportOptions> options) => _options = options;

    /// <inheritdoc />
    public string Format => "pdf";

    /// <inheritdoc />
    public string FileExtension => ".pdf";

    /// <inheritdoc />
    public string ContentType => "application/pdf";

    /// <inheritdoc />
    public Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default) =>
        WriteReportingAsync(document, output, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> WriteReportingAsync(ExportDocument document, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(output);
        var options = _options.Value;
        PdfFonts.Install();
        var text = new PdfTextRuns(PdfFontSet.For(options));
        var raw = await ReadAsync(document, options.MaxRowsPerTable, cancellationToken).ConfigureAwait(false);
        var values = Values(options, raw);
        var report = new PdfReport(document, options, values, text);
        var notes = new PdfNotes();
        var header = $"{document.Title} · {values.Instant(PdfReport.WholeSeconds(document.GeneratedAt))}";
        foreach (var (where, value) in Texts(document, options, raw).Concat(report.Texts()).Append(("the page headers", header)))
        {
            notes.Check(text, where, value);
        }

        foreach (var (table, columns, rows, total) in raw)
        {
            report.Tables.Add(FormatTable(report, table, columns, rows, total, notes, text, options, cancellationToken));
        }

        report.Missing.AddRange(notes.Missing);
        report.Unshaped.AddRange(notes.Unshaped);
        report.Truncated.AddRange(notes.Truncated);
        report.Hidden.AddRange(notes.Hidden);
        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Subject = "Personal data export";
        pdf.Info.Creator = "DataGuard";
        pdf.PageLayout = PdfPageLayout.SinglePage;
        pdf.PageMode = PdfPageMode.UseOutlines;
        int pages;
        using (var dry = new PdfLayout(null, text, header, 0, options.Language, cancellationToken: cancellationToken))
        {
            report.Render(dry);
            pages = dry.Pages;
        }

        var tagged = pages <= MaxTaggedPages;
        using (var layout = new PdfLayout(pdf, text, header, pages, options.Language, tagged, cancellationToken))
        {
            report.Render(layout);
        }

        var buffer = new MemoryStream();
        await using (buffer.ConfigureAwait(false))
        {
            await pdf.SaveAsync(buffer, closeStream: false).ConfigureAwait(false);
            var repaired = text.DrewBeyondBmp ? PdfToUnicodeRepair.Repair(buffer) : null;
            await using (repaired)
            {
                var result = repaired ?? buffer;
                result.Position = 0;
                await result.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }
        }

        var warnings = Warnings(notes.Missing).Concat(notes.Warnings(options.MaxCellCharacters)).ToList();
        if (!tagged)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"PDF: {pages:N0} pages, more than {MaxTaggedPages:N0}: not tagged for screen readers (PDFsharp's tagging slows down with every page); the JSON and CSV files hold the same data."));
        }

        return warnings;
    }

    /// <summary>The warnings of values no font could show: by script, with where they are.</summary>
    internal static IReadOnlyList<string> Warnings(IReadOnlyList<PdfMissingValue> missing)
    {
        if (missing.Count == 0)
        {
            return [];
        }

        var scripts = string.Join(", ", missing.SelectMany(m => m.Scripts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var where = string.Join("; ", missing.Take(5).Select(m => m.Where));
        var more = missing.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $" and {missing.Count - 5:N0} more") : string.Empty;
        return [string.Create(CultureInfo.InvariantCulture, $"PDF: no font has the characters of {scripts}: {missing.Count:N0} place(s) show \uFFFD where a character is missing ({where}{more}). The PDF's first page says so, and the JSON and CSV files hold these values exactly. Install a font that covers them (e.g. apt-get install fonts-noto-cjk, fonts-symbola) or add one to DataGuard:Export:Pdf:FontPaths; `dataguard doctor` lists the scripts without a font.")];
    }

    private static async Task<List<(ExportTable Table, IReadOnlyList<ExportColumn> Columns, List<object?[]> Rows, long Total)>> ReadAsync(ExportDocument document, int maxRows, CancellationToken cancellationToken)
    {
        var tables = new List<(ExportTable, IReadOnlyList<ExportColumn>, List<object?[]>, long)>();
        await foreach (var table in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var rows = new List<object?[]>();
            long total = 0;
            await foreach (var row in table.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (++total <= maxRows)
                {
                    rows.Add((object?[])row.Clone());
                }
            }

            tables.Add((table, table.Columns, rows, total));
        }

        return tables;
    }

    /// <summary>The culture and time zone: the subject's own (from its row, the first table, where configured), else the options'.</summary>
    private static PdfValues Values(PdfExportOptions options, List<(ExportTable Table, IReadOnlyList<ExportColumn> Columns, List<object?[]> Rows, long Total)> tables)
    {
        string? Read(string? column)
        {
            if (column is null || tables.Count == 0 || tables[0].Rows.Count == 0)
            {
                return null;
            }

            var index = tables[0].Columns.Select(c => c.Name).ToList().FindIndex(n => string.Equals(n, column, StringComparison.OrdinalIgnoreCase));
            return index >= 0 ? tables[0].Rows[0][index] as string : null;
        }

        return PdfValues.Create(options, Read(options.CultureColumn)?.Replace('_', '-'), Read(options.TimeZoneColumn));
    }

    /// <summary>
    /// The text of a cell: <see cref="PdfValues.ToText"/>, with the values of <c>date</c> columns as dates (Npgsql reads
    /// them as midnight <see cref="DateTime"/>s, which would show a time of 00:00:00).
    /// </summary>
    /// <param name="values">The formatter.</param>
    /// <param name="column">The column.</param>
    /// <param name="value">The value.</param>
    /// <returns>The text, or <see langword="null"/> for no value.</returns>
    internal static string? CellText(PdfValues values, ExportColumn column, object? value) =>
        value is DateTime { Kind: not DateTimeKind.Utc } date && column.Type == "date"
            ? values.ToText(DateOnly.FromDateTime(date))
            : values.ToText(value);

    /// <summary>The texts drawn besides the tables' values (title, subject key, names, configured texts), each with where it is, for the same checks as the values.</summary>
    private static IEnumerable<(string Where, string Text)> Texts(ExportDocument document, PdfExportOptions options, List<(ExportTable Table, IReadOnlyList<ExportColumn> Columns, List<object?[]> Rows, long Total)> tables)
    {
        yield return ("the title", document.Title);
        if (document.Subject is not null)
        {
            yield return ("the subject's key", document.Subject);
        }

        if (options.RightsContact is not null)
        {
            yield return ("the rights contact", options.RightsContact);
        }

        if (options.DefaultSource is not null)
        {
            yield return ("the default source", options.DefaultSource);
        }

        var names = document.Summary.Select(s => s.Table).Concat(tables.Select(t => t.Table.Name)).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            yield return ($"the name of {name}", PdfNames.Table(options, name));
            yield return ($"the name of a row of {name}", PdfNames.Row(options, name));
            if (PdfNames.Settings(options, name) is { } settings)
            {
                if (settings.Purpose is not null)
                {
                    yield return ($"why {name} is kept", settings.Purpose);
                }

                if (settings.Source is not null)
                {
                    yield return ($"where {name} came from", settings.Source);
                }
            }
        }

        foreach (var summary in document.Summary.Where(s => s.Retention is not null))
        {
            yield return ($"how long {summary.Table} is kept", summary.Retention!);
        }

        foreach (var (table, columns, _, _) in tables)
        {
            foreach (var column in columns)
            {
                yield return ($"the name of {table.Name}.{column.Name}", PdfNames.Column(options, table.Name, column.Name));
            }
        }

        foreach (var entry in document.Coverage)
        {
            yield return ($"the coverage of {entry.Table}", $"{entry.Table} {entry.Detail}");
        }
    }

    private static PdfReport.Table FormatTable(PdfReport report, ExportTable table, IReadOnlyList<ExportColumn> columns, List<object?[]> rows, long total, PdfNotes notes, PdfTextRuns text, PdfExportOptions options, CancellationToken cancellationToken)
    {
        var display = PdfNames.Table(options, table.Name);
        var headers = columns.Select(c => PdfNames.Column(options, table.Name, c.Name)).ToArray();
        var cells = new List<string?[]>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var formatted = new string?[headers.Length];
            for (var c = 0; c < headers.Length; c++)
            {
                var value = CellText(report.Values, columns[c], rows[r][c]);
                if (value is not null)
                {
                    var where = string.Create(CultureInfo.InvariantCulture, $"{display} › {headers[c]}, row {r + 1}");
                    value = notes.Cap(value, options.MaxCellCharacters, where);
                    notes.Check(text, where, value);
                }

                formatted[c] = value;
            }

            cells.Add(formatted);
            rows[r] = null!;
        }

        double[]? widths = null;
        if (headers.Length <= options.MaxTableColumns && (cells.Count > 1 || headers.Length <= 4))
        {
            widths = PdfLayout.ColumnWidths(text, headers, cells.Take(200), TableSize);
        }

        return new PdfReport.Table(table.Name, display, PdfNames.Row(options, table.Name), headers, cells, total, widths);
    }

    /// <summary>The scripts of a text that no font has, each named once.</summary>
    internal static List<string> Scripts(PdfTextRuns text, string value)
    {
        var scripts = new List<string>();
        foreach (var rune in text.Missing(value))
        {
            var script = UnicodeScripts.Of(rune);
            if (!scripts.Contains(script, StringComparer.Ordinal))
            {
                scripts.Add(script);
            }
        }

        return scripts;
    }
}
