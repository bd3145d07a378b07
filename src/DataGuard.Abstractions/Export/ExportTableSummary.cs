namespace DataGuard.Export;

/// <summary>One table of an export in the summary.</summary>
/// <param name="Table">The table, <c>schema.table</c>.</param>
/// <param name="Rows">Its rows in the export.</param>
/// <param name="Retention">How long this kind of data is kept, in words, where a retention policy says so (GDPR Art. 15(1)(d)).</param>
public sealed record ExportTableSummary(string Table, long Rows, string? Retention);
