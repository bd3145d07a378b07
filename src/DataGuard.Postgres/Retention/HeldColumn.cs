namespace DataGuard.Postgres.Retention;

/// <summary>
/// A column under at least one active table hold. A hold records its table's oid and its column's number when it is
/// placed, so that it follows the table through a rename or a move to another schema.
/// </summary>
/// <param name="TableOid">The held table's oid.</param>
/// <param name="ColumnNumber">The held column's number.</param>
/// <param name="Placed">The table and column as the hold names them (for messages).</param>
/// <param name="Table">The table's current <c>schema.table</c>, or <see langword="null"/> when it was dropped (its rows are gone).</param>
/// <param name="Column">The column's current name, or <see langword="null"/> when it was dropped.</param>
/// <param name="Type">The column's type (<c>format_type</c>), or <see langword="null"/> when it was dropped.</param>
internal sealed record HeldColumn(uint TableOid, short ColumnNumber, string Placed, string? Table, string? Column, string? Type)
{
    /// <summary>Gets or sets a value indicating whether the type has no equality operator (json, xml, point): values are then compared as text, as they were written.</summary>
    public bool TextCompare { get; set; }
}
