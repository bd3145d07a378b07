using System.Globalization;

namespace DataGuard.Export;

/// <summary>What a PDF export says, in order: the first page (what, why, how long, where from, rights, coverage, what could not be shown), then each table.</summary>
internal sealed class PdfReport
{
    private const double TableSize = 8;
    private readonly ExportDocument _document;
    private readonly PdfExportOptions _options;

    public PdfReport(ExportDocument document, PdfExportOptions options, PdfValues values, PdfTextRuns text)
    {
        _document = document;
        _options = options;
        Values = values;
        Text = text;
    }

    public PdfValues Values { get; }

    public PdfTextRuns Text { get; }

    public List<Table> Tables { get; } = [];

    public List<PdfMissingValue> Missing { get; } = [];

    public List<PdfMissingValue> Unshaped { get; } = [];

    public List<string> Truncated { get; } = [];

    /// <summary>Gets where values hold control or tag characters (see <see cref="PdfNotes.Hidden"/>).</summary>
    public List<string> Hidden { get; } = [];

    /// <summary>The texts the first page and page headers draw from the values' formatter (the time of generation, the legend), for the same checks as the values.</summary>
    /// <returns>Each text with where it is.</returns>
    public IEnumerable<(string Where, string Text)> Texts()
    {
        yield return ("the time of generation", Generated());
        yield return ("the legend", Legend());
    }

    public void Render(PdfLayout layout)
    {
        layout.BeginSection();
        FirstPage(layout);
        layout.EndSection();
        foreach (var table in Tables)
        {
            layout.BeginSection();
            WriteTable(layout, table);
            layout.EndSection();
        }
    }

    private void FirstPage(PdfLayout layout)
    {
        layout.Title("Your personal data", _document.Title);
        layout.Paragraph($"{(_document.Subject is null ? string.Empty : $"Subject: {_document.Subject} · ")}{Generated()}");
        if (Missing.Count > 0)
        {
            var scripts = string.Join(", ", Missing.SelectMany(m => m.Scripts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            var listed = string.Join("; ", Missing.Take(12).Select(m => m.Where));
            var more = Missing.Count > 12 ? string.Create(CultureInfo.InvariantCulture, $"; and {Missing.Count - 12:N0} more") : string.Empty;
            layout.Callout(
            [
                ("Some characters could not be shown in this PDF", true),
                (string.Create(CultureInfo.InvariantCulture, $"The server that made this document has no font for the characters of: {scripts}. In these {Missing.Count:N0} place(s) a missing character shows as \uFFFD: {listed}{more}."), false),
                ("The JSON and CSV files of this export hold these values exactly, character for character.", true),
            ]);
        }

        if (Unshaped.Count > 0)
        {
            var scripts = PdfNotes.ScriptsOf(Unshaped);
            layout.Callout(
            [
                (string.Create(CultureInfo.InvariantCulture, $"Values in {scripts} are shown unshaped"), true),
                (string.Create(CultureInfo.InvariantCulture, $"This PDF cannot lay out these scripts: letters are not joined, right-to-left text runs left to right in the order it is stored, and marks may sit apart from their letters. In these {Unshaped.Count:N0} place(s): {PdfNotes.List(Unshaped.Select(u => u.Where), 12)}."), false),
                ("The JSON and CSV files of this export hold them exactly, character for character.", true),
            ]);
        }

        if (Truncated.Count > 0)
        {
            layout.Callout(
            [
                (string.Create(CultureInfo.InvariantCulture, $"Some values are longer than {_options.MaxCellCharacters:N0} characters and are cut short here"), true),
                (string.Create(CultureInfo.InvariantCulture, $"Each ends with \"… (truncated: …)\": {PdfNotes.List(Truncated, 12)}."), false),
                ("The JSON and CSV files of this export hold the full values.", true),
            ]);
        }

        if (Hidden.Count > 0)
        {
            layout.Callout(
            [
                ("Some values hold control characters", true),
                (string.Create(CultureInfo.InvariantCulture, $"Control characters (other than tabs and line breaks) are shown as spaces, and invisible Unicode tag characters are left out, in these {Hidden.Count:N0} place(s): {PdfNotes.List(Hidden, 12)}."), false),
                ("The JSON and CSV files of this export hold them exactly, character for character.", true),
            ]);
        }

        var shortened = _document.Summary.Where(s => s.Rows > _options.MaxRowsPerTable).ToList();
        if (shortened.Count > 0)
        {
            var tables = string.Join("\n", shortened.Select(s => string.Create(CultureInfo.InvariantCulture, $"• {PdfNames.Table(_options, s.Table)}: {s.Table} ({s.Rows:N0} rows)")));
            layout.Paragraph(string.Create(CultureInfo.InvariantCulture, $"This PDF is shortened: it shows at most {_options.MaxRowsPerTable:N0} rows per table, and these tables have more:\n{tables}\nThe JSON and CSV files of this export hold every row."), bold: true);
        }

        layout.SubHeading("Summary: what we hold, why, for how long, and where it came from");
        var source = _options.DefaultSource ?? "Provided by you, or recorded while you used the service";
        var rows = _document.Summary.Select(s =>
        {
            var settings = PdfNames.Settings(_options, s.Table);
            return new string?[]
            {
                $"{PdfNames.Table(_options, s.Table)}\n{s.Table}",
                s.Rows.ToString("N0", CultureInfo.InvariantCulture),
                settings?.Purpose ?? "Not stated",
                s.Retention ?? "No retention policy: kept until deleted",
                settings?.Source ?? source,
            };
        }).ToList();
        string[] headers = ["Data", "Records", "Why we keep it", "How long", "Where it came from"];
        var widths = PdfLayout.ColumnWidths(Text, headers, rows, TableSize) ?? [110, 40, 120, 120, PdfLayout.Width - 390];
        layout.Table(headers, widths, rows, TableSize);

        layout.SubHeading("Your rights");
        layout.Paragraph("You may ask for a copy of your data (this document), have it corrected or deleted, restrict or object to its use, receive it in a machine-readable form (the JSON and CSV files of this export), and complain to a data protection authority.");
        layout.Paragraph(_options.RightsContact ?? "To exercise these rights, contact the organisation that gave you this document.", bold: _options.RightsContact is not null);
        WriteCoverage(layout);
        layout.SubHeading("About this document");
        layout.Paragraph("Each kind of data has its own section below (see the bookmarks).");
        layout.Paragraph(Legend());
    }

    /// <summary>When the document was made, as the first page says it.</summary>
    private string Generated()
    {
        var zone = Values.Zone is { } z ? $"times in {z.Id}" : "times in UTC (ISO 8601)";
        return $"Generated: {Values.Instant(WholeSeconds(_document.GeneratedAt))} ({zone})";
    }

    /// <summary>What the values drawn mean: exactly the markers the tables use.</summary>
    private string Legend()
    {
        var values = Values.Localized
            ? $"Dates and numbers are written {(Values.Culture is { } c ? $"as in {c.Name}" : "in ISO 8601")}, and times {(Values.Zone is { } z ? $"in {z.Id}" : "in UTC")}, each followed by its offset from UTC (such as UTC+01:00)"
            : "Dates and times are written in ISO 8601, instants in UTC (ending in Z)";
        return string.Create(CultureInfo.InvariantCulture, $"In the tables, {PdfLayout.NullText} in grey marks a field with no value (empty in the database), and {PdfLayout.EmptyText} in grey a field holding empty text; every other value is shown in black as stored. {values}. A value longer than {_options.MaxCellCharacters:N0} characters is cut short and ends with \"… (truncated: …)\". The JSON and CSV files of this export hold every value exactly, for use by other services.");
    }

    /// <summary>The coverage manifest in words: what was exported, through what, and what was not, and why.</summary>
    private void WriteCoverage(PdfLayout layout)
    {
        if (_document.Coverage.Count == 0)
        {
            return;
        }

        layout.SubHeading("What this export covers");
        foreach (var entry in _document.Coverage)
        {
            var words = entry.Status switch
            {
                "included" => "exported",
                "excluded" => "not exported, on purpose",
                "probable-link" => "NOT exported, although it may hold data about you",
                _ => "not exported: not linked to you",
            };
            layout.Paragraph($"{entry.Table}: {words} ({entry.Detail}).", bold: entry.Status == "probable-link");
        }
    }

    private void WriteTable(PdfLayout layout, Table table)
    {
        var summary = _document.Summary.FirstOrDefault(s => s.Table == table.Name);
        var aside = string.Create(CultureInfo.InvariantCulture, $"{table.Name} · {table.Total:N0} {(table.Total == 1 ? "record" : "records")}{(summary?.Retention is { } r ? $" · kept for: {r}" : string.Empty)}");
        layout.Heading(table.Display, aside);
        if (PdfNames.Settings(_options, table.Name)?.Purpose is { } purpose)
        {
            layout.Paragraph($"Why we keep it: {purpose}");
        }

        if (table.Rows.Count == 0)
        {
            layout.Paragraph("(no rows)", muted: true);
        }
        else if (table.Widths is { } widths)
        {
            layout.Table(table.Headers, widths, table.Rows, TableSize);
        }
        else
        {
            for (var i = 0; i < table.Rows.Count; i++)
            {
                layout.Card(string.Create(CultureInfo.InvariantCulture, $"{table.RowName} {i + 1}"), table.Headers, table.Rows[i]);
            }
        }

        if (table.Total > table.Rows.Count)
        {
            layout.Paragraph(string.Create(CultureInfo.InvariantCulture, $"… {table.Total - table.Rows.Count:N0} more rows are not shown here; the JSON and CSV exports hold every row."), bold: true);
        }
    }

    /// <summary>One table, its values as text.</summary>
    public sealed record Table(string Name, string Display, string RowName, IReadOnlyList<string> Headers, List<string?[]> Rows, long Total, double[]? Widths);

    /// <summary>The time of generation to the second: stored values show their fractions, the clock reading of the export need not.</summary>
    /// <param name="value">The time.</param>
    /// <returns>The time without its fraction of a second.</returns>
    internal static DateTimeOffset WholeSeconds(DateTimeOffset value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), value.Offset);
}
