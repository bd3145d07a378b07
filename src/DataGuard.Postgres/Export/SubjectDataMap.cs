using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>Where a subject's data lives: the subject table and every table that references it, directly or through other tables, with the join paths, what is redacted, and warnings about links that are probably missing.</summary>
/// <param name="Subject">The subject table.</param>
/// <param name="Key">The subject's key column.</param>
/// <param name="Tables">The mapped tables, the subject first, then by distance.</param>
/// <param name="Warnings">Columns named like a reference to the subject that have no foreign key or link.</param>
internal sealed record SubjectDataMap(PgTable Subject, PgColumn Key, IReadOnlyList<MappedTable> Tables, IReadOnlyList<string> Warnings)
{
    /// <summary>Finds a mapped table.</summary>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <returns>The mapped table, or <see langword="null"/>.</returns>
    public MappedTable? Find(string table) => Tables.FirstOrDefault(t => t.Table.QualifiedName == table);
}
