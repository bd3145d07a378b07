namespace DataGuard.Postgres.Retention;

/// <summary>A legal hold: rows of a table whose column has a value are never deleted by retention while it is active.</summary>
/// <param name="Id">The hold's id.</param>
/// <param name="Table">The table, <c>schema.table</c>.</param>
/// <param name="Column">The column.</param>
/// <param name="Value">The value (compared as text).</param>
/// <param name="Reason">Why.</param>
/// <param name="PlacedBy">Who placed it.</param>
/// <param name="PlacedAt">When.</param>
/// <param name="ReleasedAt">When it was released, if it was.</param>
public sealed record LegalHold(long Id, string Table, string Column, string Value, string Reason, string PlacedBy, DateTimeOffset PlacedAt, DateTimeOffset? ReleasedAt);
