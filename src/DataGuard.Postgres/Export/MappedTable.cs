using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>One table of a <see cref="SubjectDataMap"/>.</summary>
/// <param name="Table">The table.</param>
/// <param name="Distance">Foreign-key hops from the subject table (0 for the subject).</param>
/// <param name="Edges">The references through which its rows belong to the subject (to tables nearer the subject).</param>
/// <param name="Columns">The columns that leave.</param>
/// <param name="Redacted">The columns that never leave.</param>
internal sealed record MappedTable(PgTable Table, int Distance, IReadOnlyList<PgForeignKey> Edges, IReadOnlyList<PgColumn> Columns, IReadOnlyList<string> Redacted)
{
    /// <summary>Gets the join paths, for people: <c>public.orders.user_id -&gt; public.users.id</c>.</summary>
    public IEnumerable<string> Paths => Edges.Select(e => $"{e.Child}.({string.Join(", ", e.ChildColumns)}) -> {e.Parent}.({string.Join(", ", e.ParentColumns)}){(e.Name.StartsWith("link:", StringComparison.Ordinal) ? " [configured link]" : string.Empty)}");
}
