using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>
/// One table an export reads for a <see cref="MappedTable"/>: the table itself (a partitioned table reads all its
/// partitions, each row once), or, in an inheritance tree, each table of the tree on its own with <c>ONLY</c>, so that
/// the columns a child adds are exported too and no row appears twice.
/// </summary>
/// <param name="Table">The table read.</param>
/// <param name="Only">Whether it is read with <c>ONLY</c> (its own rows, not its children's).</param>
/// <param name="Columns">The columns that leave.</param>
/// <param name="Redacted">The columns that never leave.</param>
internal sealed record ExportPart(PgTable Table, bool Only, IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> Redacted)
{
    /// <summary>Gets the table as a FROM item: quoted, with <c>ONLY</c> when <see cref="Only"/>.</summary>
    public string From => Only ? "ONLY " + Table.Quoted : Table.Quoted;
}
