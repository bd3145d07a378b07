using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>Where a subject's data lives: the subject table and every table that references it, directly or through other tables, with the join paths, what is redacted, the probable links nothing declares, and what was done with every table considered.</summary>
/// <param name="Subject">The subject table.</param>
/// <param name="Key">The subject's key column.</param>
/// <param name="Tables">The mapped tables, the subject first, then by distance.</param>
/// <param name="Warnings">Probable links and configured links that lead nowhere, in words.</param>
internal sealed record SubjectDataMap(PgTable Subject, PgColumn Key, IReadOnlyList<MappedTable> Tables, IReadOnlyList<string> Warnings)
{
    /// <summary>Gets the columns named and typed like the subject's key that nothing declares or silences (their rows are not exported).</summary>
    public IReadOnlyList<ProbableLink> ProbableLinks { get; init; } = [];

    /// <summary>Gets every table considered (each partitioned table or inheritance parent once), with what was done with it.</summary>
    public IReadOnlyList<CoverageEntry> Coverage { get; init; } = [];

    /// <summary>Finds a mapped table.</summary>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <returns>The mapped table, or <see langword="null"/>.</returns>
    public MappedTable? Find(string table) => Tables.FirstOrDefault(t => t.Table.QualifiedName == table);
}
