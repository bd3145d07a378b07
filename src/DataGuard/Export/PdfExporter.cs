using System.Globalization;
using Microsoft.Extensions.Options;
using PdfSharp.Pdf;

namespace DataGuard.Export;

/// <summary>
/// PDF: a readable report (PDFsharp): title, subject, time of generation, a summary (table, rows, retention period),
/// then each table's rows (up to four columns as a grid, wider tables as key/value blocks), page numbers, Unicode
/// text with a CJK fallback font. A PDF is assembled in memory: at most <see cref="PdfExportOptions.MaxRowsPerTable"/>
/// rows per table are shown; the JSON and CSV formats hold everything.
/// </summary>
internal sealed class PdfExporter : IExporter
{
    private const int GridColumns = 4;
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
    public async Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(output);
        var options = _options.Value;
        var fonts = PdfFonts.Install(options);
        using var pdf = new PdfDocument();
        pdf.Info.Title = document.Title;
        pdf.Info.Creator = "DataGuard";
        using (var layout = new PdfLayout(pdf, fonts))
        {
            layout.Title(document.Title);
            if (document.Subject is not null)
            {
                layout.Line($"Subject: {document.Subject}");
            }

            layout.Line($"Generated: {ExportValues.Iso(document.GeneratedAt)}");
            WriteShortened(layout, document, options.MaxRowsPerTable);
            layout.Heading("Summary");
            layout.GridRow(["Data", "Rows", "Kept for"], header: true);
            foreach (var s in document.Summary)
            {
                layout.GridRow([s.Table, s.Rows.ToString("N0", CultureInfo.InvariantCulture), s.Retention ?? "no retention policy"], header: false);
            }

            WriteCoverage(layout, document.Coverage);
            await foreach (var table in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await WriteTableAsync(layout, table, document.Summary.FirstOrDefault(s => s.Table == table.Name), options.MaxRowsPerTable, cancellationToken).ConfigureAwait(false);
            }

            layout.NumberPages();
        }

        var buffer = new MemoryStream();
        await using (buffer.ConfigureAwait(false))
        {
            await pdf.SaveAsync(buffer, closeStream: false).ConfigureAwait(false);
            buffer.Position = 0;
            await buffer.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>On the first page: which tables this PDF shortens, and that the JSON and CSV files hold every row.</summary>
    private static void WriteShortened(PdfLayout layout, ExportDocument document, int maxRows)
    {
        var shortened = document.Summary.Where(s => s.Rows > maxRows).ToList();
        if (shortened.Count == 0)
        {
            return;
        }

        var tables = string.Join(", ", shortened.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Table} ({s.Rows:N0} rows)")));
        layout.Line(string.Create(CultureInfo.InvariantCulture, $"This PDF is shortened: it shows at most {maxRows:N0} rows per table, and these tables have more: {tables}. The JSON and CSV files of this export hold every row."), bold: true);
    }

    /// <summary>The coverage manifest in words: what was exported, through what, and what was not, and why.</summary>
    private static void WriteCoverage(PdfLayout layout, IReadOnlyList<ExportCoverageEntry> coverage)
    {
        if (coverage.Count == 0)
        {
            return;
        }

        layout.Heading("What this export covers");
        foreach (var entry in coverage)
        {
            var words = entry.Status switch
            {
                "included" => "exported",
                "excluded" => "not exported, on purpose",
                "probable-link" => "NOT exported, although it may hold data about you",
                _ => "not exported: not linked to you",
            };
            layout.Line($"{entry.Table}: {words} ({entry.Detail}).", bold: entry.Status == "probable-link");
        }
    }

    private static async Task WriteTableAsync(PdfLayout layout, ExportTable table, ExportTableSummary? summary, int maxRows, CancellationToken cancellationToken)
    {
        layout.Heading(summary is null ? table.Name : $"{table.Name} ({summary.Rows.ToString("N0", CultureInfo.InvariantCulture)} rows)");
        if (summary?.Retention is { } retention)
        {
            layout.Line($"Kept for: {retention}");
        }

        var names = table.Columns.Select(c => c.Name).ToArray();
        var grid = names.Length <= GridColumns;
        if (grid)
        {
            layout.GridRow(names, header: true);
        }

        long rows = 0;
        var values = new string?[names.Length];
        await foreach (var row in table.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (++rows > maxRows)
            {
                continue;
            }

            for (var i = 0; i < values.Length; i++)
            {
                values[i] = ExportValues.ToText(row[i]);
            }

            if (grid)
            {
                layout.GridRow(values, header: false);
            }
            else
            {
                layout.Block(string.Create(CultureInfo.InvariantCulture, $"Row {rows}"), names, values);
            }
        }

        if (rows == 0)
        {
            layout.Line("(no rows)");
        }
        else if (rows > maxRows)
        {
            layout.Line(string.Create(CultureInfo.InvariantCulture, $"… {rows - maxRows:N0} more rows are not shown here; the JSON and CSV exports hold every row."), bold: true);
        }
    }
}
