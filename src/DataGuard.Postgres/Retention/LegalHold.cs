namespace DataGuard.Postgres.Retention;

/// <summary>A legal hold: rows of a table whose column has a value (a table hold), or every row the subject data map links to a subject (a subject hold), are never touched by retention while it is active.</summary>
/// <param name="Id">The hold's id.</param>
/// <param name="Table">The table, <c>schema.table</c>.</param>
/// <param name="Column">The column.</param>
/// <param name="Value">The value, in the canonical text of the held column's type (compared in that type).</param>
/// <param name="Reason">Why.</param>
/// <param name="PlacedBy">Who placed it.</param>
/// <param name="PlacedAt">When.</param>
/// <param name="ReleasedAt">When it was released, if it was.</param>
public sealed record LegalHold(long Id, string Table, string Column, string Value, string Reason, string PlacedBy, DateTimeOffset PlacedAt, DateTimeOffset? ReleasedAt)
{
    /// <summary>Gets the kind: <c>table</c>, or <c>subject</c> (then <see cref="Table"/>.<see cref="Column"/> is the subject key and <see cref="Value"/> the subject).</summary>
    public string Kind { get; init; } = "table";
}
