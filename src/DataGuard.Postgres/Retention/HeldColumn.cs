namespace DataGuard.Postgres.Retention;

/// <summary>A column under at least one active table hold, with the column's type in the table that holds it.</summary>
/// <param name="Table">The held table, <c>schema.table</c>.</param>
/// <param name="Column">The held column.</param>
/// <param name="Type">The column's type (<c>format_type</c>), or <see langword="null"/> when the table or column no longer exists.</param>
internal sealed record HeldColumn(string Table, string Column, string? Type);
