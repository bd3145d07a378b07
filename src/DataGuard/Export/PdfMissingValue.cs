namespace DataGuard.Export;

/// <summary>A value of a PDF export with characters no font has.</summary>
/// <param name="Where">Table, column and row, for people.</param>
/// <param name="Scripts">The Unicode scripts of the missing characters.</param>
internal sealed record PdfMissingValue(string Where, IReadOnlyList<string> Scripts);
