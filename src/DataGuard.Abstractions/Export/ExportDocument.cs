namespace DataGuard.Export;

/// <summary>What an export contains: a title, the subject (for a subject export), a summary known up front, and the tables streamed one after the other.</summary>
/// <param name="Title">The document's title.</param>
/// <param name="Subject">The subject's key, or <see langword="null"/> for a table export.</param>
/// <param name="GeneratedAt">When the snapshot was taken.</param>
/// <param name="Summary">Each table with its row count (and retention period), in the order <paramref name="Tables"/> yields them.</param>
/// <param name="Tables">The tables; enumerate once.</param>
public sealed record ExportDocument(string Title, string? Subject, DateTimeOffset GeneratedAt, IReadOnlyList<ExportTableSummary> Summary, IAsyncEnumerable<ExportTable> Tables)
{
    /// <summary>Gets a value indicating whether text that a spreadsheet would run as a formula (starting with <c>= + - @</c>) is neutralised where the format allows (CSV: a leading <c>'</c>).</summary>
    public bool NeutralizeFormulas { get; init; }

    /// <summary>Gets every table a subject export considered and what it did with it (empty for a table export); formats write it as the export's coverage manifest.</summary>
    public IReadOnlyList<ExportCoverageEntry> Coverage { get; init; } = [];
}
