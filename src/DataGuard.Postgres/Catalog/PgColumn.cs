namespace DataGuard.Postgres.Catalog;

/// <summary>A column as the catalog describes it.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">Its type, as <c>format_type</c> prints it (usable in a cast).</param>
/// <param name="NotNull">Whether it is NOT NULL.</param>
internal sealed record PgColumn(string Name, string Type, bool NotNull)
{
    /// <summary>Gets the type without its modifier (<c>numeric</c> for <c>numeric(10,2)</c>, <c>timestamp without time zone</c> for <c>timestamp(6) without time zone</c>): for comparing values without rounding or truncating them.</summary>
    public string BaseType { get; init; } = Type;
}
