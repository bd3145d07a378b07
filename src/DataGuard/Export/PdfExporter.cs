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
            layout.Heading("Summary");
            layout.GridRow(["Data", "Rows", "Kept for"], header: true);
            foreach (var s in document.Summary)
            {
                layout.GridRow([s.Table, s.Rows.ToString("N0", CultureInfo.InvariantCulture), s.Retention ?? "no retention policy"], header: false);
            }

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
