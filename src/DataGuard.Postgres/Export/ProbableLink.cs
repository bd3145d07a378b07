using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>A column named and typed like the subject's key that no foreign key or link connects: its rows are probably the subject's data, and are not exported.</summary>
/// <param name="Table">The logical table.</param>
/// <param name="Column">The column.</param>
internal sealed record ProbableLink(PgTable Table, PgColumn Column)
{
    /// <summary>Gets the column as <c>schema.table.column</c>.</summary>
    public string Name => $"{Table.QualifiedName}.{Column.Name}";
}
