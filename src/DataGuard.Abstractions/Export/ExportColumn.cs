namespace DataGuard.Export;

/// <summary>A column of an exported table.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">The database type, for readers (e.g. <c>timestamp with time zone</c>).</param>
public sealed record ExportColumn(string Name, string Type);
