namespace DataGuard.Export;

/// <summary>One table a subject export considered, and what it did with it: the export's coverage manifest says what it could not find as well as what it found.</summary>
/// <param name="Table">The table, <c>schema.table</c> (a partitioned table or inheritance parent stands for the tables below it).</param>
/// <param name="Status"><c>included</c>, <c>excluded</c> (by a rule), <c>probable-link</c> (a column looks like a reference to the subject but nothing declares it: not exported) or <c>not-linked</c>.</param>
/// <param name="Detail">Through which paths it was included, by which rule it was excluded, or which columns look like references, in words.</param>
public sealed record ExportCoverageEntry(string Table, string Status, string Detail);
