namespace DataGuard.Postgres.Export;

/// <summary>A column named as <c>schema.table.column</c>.</summary>
/// <param name="Table">The table, <c>schema.table</c>.</param>
/// <param name="Column">The column.</param>
internal sealed record ColumnPath(string Table, string Column)
{
    public static ColumnPath? Parse(string? value)
    {
        var last = value?.LastIndexOf('.') ?? -1;
        if (last <= 0 || last == value!.Length - 1 || PgIdentifiers.SplitQualified(value[..last]) is null)
        {
            return null;
        }

        return new ColumnPath(value[..last], value[(last + 1)..]);
    }

    public override string ToString() => $"{Table}.{Column}";
}
