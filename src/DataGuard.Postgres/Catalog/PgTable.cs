namespace DataGuard.Postgres.Catalog;

/// <summary>A table (plain or partitioned) as the catalog describes it.</summary>
/// <param name="Oid">Its oid.</param>
/// <param name="Schema">Its schema.</param>
/// <param name="Name">Its name.</param>
/// <param name="IsPartitioned">Whether it is a partitioned table.</param>
/// <param name="Columns">Its columns, in order.</param>
/// <param name="PrimaryKey">Its primary key's columns (empty without one).</param>
internal sealed record PgTable(uint Oid, string Schema, string Name, bool IsPartitioned, IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> PrimaryKey)
{
    /// <summary>Gets the name as <c>schema.table</c>.</summary>
    public string QualifiedName => $"{Schema}.{Name}";

    /// <summary>Gets the name quoted for SQL.</summary>
    public string Quoted => PgIdentifiers.QuoteQualified(Schema, Name);

    /// <summary>Finds a column.</summary>
    /// <param name="name">The column's name (exact).</param>
    /// <returns>The column, or <see langword="null"/>.</returns>
    public PgColumn? Column(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}
