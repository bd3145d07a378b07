namespace DataGuard.Export;

/// <summary>Options of PDF exports (<c>DataGuard:Export:Pdf</c>): fonts, layout, the first page's texts, and how dates read.</summary>
public sealed class PdfExportOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Export:Pdf";

    /// <summary>Gets or sets the text font file (TrueType), tried first for every character. Default: the first regular sans font found (DejaVu Sans from fonts-dejavu-core on Debian).</summary>
    public string? RegularFont { get; set; }

    /// <summary>Gets or sets the bold face of <see cref="RegularFont"/>. Default: the regular file's <c>-Bold</c> sibling, else simulated bold.</summary>
    public string? BoldFont { get; set; }

    /// <summary>Gets or sets a font file tried right after <see cref="RegularFont"/> (for example a CJK font). Default: none (the fonts found are tried in order).</summary>
    public string? FallbackFont { get; set; }

    /// <summary>
    /// Gets the font files or directories (searched recursively) tried, in order, for characters the fonts above lack,
    /// before the system's fonts. A host registers its own fonts here. TrueType outlines only: colour fonts
    /// (Noto Color Emoji) and collections (<c>.ttc</c>) are skipped, and <c>dataguard doctor</c> says so.
    /// </summary>
    public List<string> FontPaths { get; init; } = [];

    /// <summary>Gets or sets a value indicating whether the system's fonts (fc-list, /usr/share/fonts, /usr/local/share/fonts, ~/.fonts) are tried after <see cref="FontPaths"/>. Default: true.</summary>
    public bool SystemFonts { get; set; } = true;

    /// <summary>
    /// Gets or sets the most rows per table the PDF shows (a PDF is built in memory); beyond them it says how many
    /// more there are, and the JSON and CSV formats hold everything. Default: 10,000.
    /// </summary>
    public int MaxRowsPerTable { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets the most characters (Unicode code points) of one value the PDF shows; a longer value (a long text, a large bytea as base64)
    /// is cut there (never inside a character as read: a letter with its accents, an emoji sequence) and marked "… (truncated: …; the full value is in the JSON and CSV files)", and the export warns.
    /// Default: 5,000 (about a page in a card).
    /// </summary>
    public int MaxCellCharacters { get; set; } = 5_000;

    /// <summary>Gets or sets the most columns a table may have to be printed as a table (header row, one line per row); wider tables print one card per row. Default: 9.</summary>
    public int MaxTableColumns { get; set; } = 9;

    /// <summary>Gets or sets the document's language (BCP 47, set in the PDF for screen readers; the texts DataGuard writes are English). Default: <c>en</c>.</summary>
    public string Language { get; set; } = "en";

    /// <summary>Gets or sets the culture dates and numbers are written in (e.g. <c>fr-FR</c>). Default: none (ISO 8601, as in the JSON and CSV files).</summary>
    public string? Culture { get; set; }

    /// <summary>Gets or sets the time zone (IANA id, e.g. <c>Europe/Paris</c>) instants are shown in. Default: none (UTC).</summary>
    public string? TimeZone { get; set; }

    /// <summary>Gets or sets the column of the subject's own row (the first table of a subject export) that holds the subject's culture (e.g. <c>locale</c>); used when it holds a known culture, else <see cref="Culture"/>.</summary>
    public string? CultureColumn { get; set; }

    /// <summary>Gets or sets the column of the subject's own row that holds the subject's time zone (IANA id, e.g. <c>time_zone</c>); used when it holds a known zone, else <see cref="TimeZone"/>.</summary>
    public string? TimeZoneColumn { get; set; }

    /// <summary>Gets the tables' display names, purposes and sources, by <c>schema.table</c> (or the table's name alone).</summary>
    public Dictionary<string, PdfTableOptions> Tables { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how the person exercises their rights (access, rectification, erasure, objection, complaint): who to write to and how. Printed on the first page.</summary>
    public string? RightsContact { get; set; }

    /// <summary>Gets or sets where the data came from, for tables without their own <see cref="PdfTableOptions.Source"/>. Default: "provided by you or recorded while you used the service".</summary>
    public string? DefaultSource { get; set; }
}
