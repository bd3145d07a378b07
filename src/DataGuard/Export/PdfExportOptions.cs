namespace DataGuard.Export;

/// <summary>Options of PDF exports (<c>DataGuard:Export:Pdf</c>).</summary>
public sealed class PdfExportOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Export:Pdf";

    /// <summary>Gets or sets the text font file (TrueType). Default: DejaVu Sans from fonts-dejavu-core.</summary>
    public string? RegularFont { get; set; }

    /// <summary>Gets or sets the bold font file. Default: DejaVu Sans Bold.</summary>
    public string? BoldFont { get; set; }

    /// <summary>Gets or sets the font for CJK text. Default: Droid Sans Fallback (fonts-droid-fallback) when installed; without one CJK characters print as □.</summary>
    public string? FallbackFont { get; set; }

    /// <summary>
    /// Gets or sets the most rows per table the PDF shows (a PDF is built in memory); beyond them it says how many
    /// more there are, and the JSON and CSV formats hold everything. Default: 10,000.
    /// </summary>
    public int MaxRowsPerTable { get; set; } = 10_000;
}
