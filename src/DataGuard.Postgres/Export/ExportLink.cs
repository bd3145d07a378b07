namespace DataGuard.Postgres.Export;

/// <summary>A reference the catalog does not know (no foreign key): <see cref="From"/> holds values of <see cref="To"/>.</summary>
public sealed class ExportLink
{
    /// <summary>Gets or sets the referencing column, <c>schema.table.column</c>.</summary>
    public string From { get; set; } = string.Empty;

    /// <summary>Gets or sets the referenced column, <c>schema.table.column</c>.</summary>
    public string To { get; set; } = string.Empty;
}
