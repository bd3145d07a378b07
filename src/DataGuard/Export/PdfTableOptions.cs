namespace DataGuard.Export;

/// <summary>How one table reads in PDF exports (<c>DataGuard:Export:Pdf:Tables:&lt;schema.table&gt;</c>).</summary>
public sealed class PdfTableOptions
{
    /// <summary>Gets or sets the table's name for people (default: a readable form of the name, <c>invoice_line</c> reads "Invoice lines").</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets why this data is kept (GDPR Art. 15(1)(a)), printed on the first page.</summary>
    public string? Purpose { get; set; }

    /// <summary>Gets or sets where this data came from (GDPR Art. 15(1)(g)), printed on the first page.</summary>
    public string? Source { get; set; }

    /// <summary>Gets the columns' names for people, by column name (default: a readable form, <c>created_at</c> reads "Created at").</summary>
    public Dictionary<string, string> Columns { get; init; } = new(StringComparer.OrdinalIgnoreCase);
}
