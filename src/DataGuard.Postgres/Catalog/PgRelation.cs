namespace DataGuard.Postgres.Catalog;

/// <summary>A relation as the catalog describes it, with the parents it inherits from (partitioning or <c>INHERITS</c>).</summary>
/// <param name="Oid">Its oid.</param>
/// <param name="Schema">Its schema.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its <c>relkind</c>: <c>r</c> table, <c>p</c> partitioned table, <c>f</c> foreign table, <c>v</c> view, <c>m</c> materialized view.</param>
/// <param name="AccessMethod">Its table access method (<c>heap</c> for ordinary tables; empty for relations without storage).</param>
/// <param name="Parents">The relations it inherits from, directly.</param>
internal sealed record PgRelation(uint Oid, string Schema, string Name, char Kind, string AccessMethod, IReadOnlyList<uint> Parents)
{
    /// <summary>Gets the name as <c>schema.table</c>.</summary>
    public string QualifiedName => $"{Schema}.{Name}";

    /// <summary>Gets the name quoted for SQL.</summary>
    public string Quoted => PgIdentifiers.QuoteQualified(Schema, Name);

    /// <summary>Gets a value indicating whether it is a partitioned table (its rows live in its partitions).</summary>
    public bool IsPartitioned => Kind == 'p';

    /// <summary>Gets a value indicating whether it is a table with rows of its own whose <c>ctid</c> identifies them (heap storage).</summary>
    public bool IsHeapTable => Kind == 'r' && AccessMethod == "heap";

    /// <summary>
    /// Gets how a foreign key declared on this relation sees rows: a partitioned table's key covers its partitions,
    /// any other table's key covers its own rows only (foreign keys are not inherited through <c>INHERITS</c>).
    /// </summary>
    public string KeyScope => IsPartitioned ? Quoted : "ONLY " + Quoted;

    /// <summary>Gets a readable name of its kind, for messages.</summary>
    public string KindName => Kind switch
    {
        'r' => "table",
        'p' => "partitioned table",
        'f' => "foreign table",
        'v' => "view",
        'm' => "materialized view",
        _ => $"relation of kind '{Kind}'",
    };
}
