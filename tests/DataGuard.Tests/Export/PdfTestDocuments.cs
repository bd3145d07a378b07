using System.Diagnostics;
using System.Runtime.CompilerServices;
using DataGuard.Export;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Export;

/// <summary>PDF exports of in-memory documents (no database), read back with poppler's pdftotext.</summary>
internal static class PdfTestDocuments
{
    public const string DejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>Options with DejaVu Sans only (no system fonts), so that what is covered does not depend on the machine.</summary>
    public static PdfExportOptions DejaVuOnly() => new() { RegularFont = DejaVu, SystemFonts = false };

    /// <summary>A subject export of one table.</summary>
    public static ExportDocument Document(string table, IReadOnlyList<ExportColumn> columns, IEnumerable<object?[]> rows, string title = "Personal data export: public.users 1", string subject = "1", Action? afterTables = null) =>
        new(title, subject, new DateTimeOffset(2026, 11, 27, 8, 15, 0, TimeSpan.Zero), [new ExportTableSummary(table, rows.Count(), null)], Tables(new ExportTable(table, columns, Rows(rows)), afterTables));

    /// <summary>Writes the PDF; returns its bytes and the warnings.</summary>
    public static async Task<(byte[] Pdf, IReadOnlyList<string> Warnings)> WriteAsync(ExportDocument document, PdfExportOptions options, CancellationToken cancellationToken = default)
    {
        var exporter = new PdfExporter(Options.Create(options));
        using var output = new MemoryStream();
        var warnings = await exporter.WriteReportingAsync(document, output, cancellationToken);
        return (output.ToArray(), warnings);
    }

    /// <summary>The text of a PDF (or of one page), as pdftotext reads it.</summary>
    public static async Task<string> TextAsync(byte[] pdf, int? page = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"dataguard-pdf-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            var start = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (page is { } p)
            {
                foreach (var argument in new[] { "-f", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", p.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                {
                    start.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in new[] { "-enc", "UTF-8", file, "-" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"pdftotext failed: {error}");
            return text;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async IAsyncEnumerable<ExportTable> Tables(ExportTable table, Action? after)
    {
        await Task.Yield();
        yield return table;
        after?.Invoke();
    }

    private static async IAsyncEnumerable<object?[]> Rows(IEnumerable<object?[]> rows, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }
}
