using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>One logical table of a <see cref="SubjectDataMap"/>: a table, or a partitioned table / inheritance parent read with all the tables below it (each row once).</summary>
/// <param name="Table">The table (the top of its partition or inheritance tree).</param>
/// <param name="Distance">Reference hops from the subject table (0 for the subject).</param>
/// <param name="Edges">The references through which its rows belong to the subject (to tables nearer the subject).</param>
/// <param name="Columns">The columns that leave.</param>
/// <param name="Redacted">The columns that never leave.</param>
internal sealed record MappedTable(PgTable Table, int Distance, IReadOnlyList<SubjectLink> Edges, IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> Redacted)
{
    /// <summary>Gets the tables below it (partitions at any depth, inheritance children), whose rows are read through it.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>Gets the tables an export reads for it (see <see cref="ExportPart"/>): the table itself, or each table of an inheritance tree.</summary>
    public IReadOnlyList<ExportPart> Parts
    {
        get => field ??= [new ExportPart(Table, Only: false, Columns, Redacted)];
        init;
    }

    /// <summary>Gets the join paths, for people: <c>public.orders.(user_id) -&gt; public.users.(id) [foreign key]</c>.</summary>
    public IEnumerable<string> Paths => Edges.Select(e => e.Path);
}
