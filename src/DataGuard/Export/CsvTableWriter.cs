using CsvHelper;

namespace DataGuard.Export;

/// <summary>Writes one table as RFC 4180 UTF-8 CSV with a header row (CsvHelper): numbers and dates invariant, ISO 8601, nulls empty, formulas optionally neutralised.</summary>
internal static class CsvTableWriter
{
    /// <summary>Writes the table's header and rows.</summary>
    /// <param name="table">The table.</param>
    /// <param name="output">Where; left open.</param>
    /// <param name="neutralizeFormulas">Whether text starting with <c>= + - @</c> (and tab, CR) gets a leading <c>'</c>, so a spreadsheet shows it as text.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The rows written.</returns>
    public static async Task<long> WriteAsync(ExportTable table, Stream output, bool neutralizeFormulas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var options = new CsvWriterOptions { Injection = neutralizeFormulas ? CsvInjection.Escape : CsvInjection.None };
        var csv = CsvWriter.Create(output, options, leaveOpen: true);
        await using (csv.ConfigureAwait(false))
        {
            csv.WriteRecord(table.Columns.Select(c => c.Name).ToArray());
            long rows = 0;
            await foreach (var row in table.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                foreach (var value in row)
                {
                    WriteField(csv, value);
                }

                await csv.EndRecordAsync(cancellationToken).ConfigureAwait(false);
                rows++;
            }

            await csv.FlushAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }
    }

    private static void WriteField(CsvWriter csv, object? value)
    {
        // Numbers and booleans are written as such (a negative number is not a formula); everything else as text.
        switch (value)
        {
            case null or DBNull: csv.WriteField((string?)null); break;
            case short n: csv.WriteField(n, default); break;
            case int n: csv.WriteField(n, default); break;
            case long n: csv.WriteField(n, default); break;
            case decimal n: csv.WriteField(n, default); break;
            case double n: csv.WriteField(n, "R"); break;
            case float n: csv.WriteField(n, "R"); break;
            case bool b: csv.WriteField(b ? "true" : "false"); break;
            default: csv.WriteField(ExportValues.ToText(value)); break;
        }
    }
}
