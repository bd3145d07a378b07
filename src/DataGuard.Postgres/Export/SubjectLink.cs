using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>
/// A reference between two logical tables of the subject data map (a partitioned table with all its partitions, an
/// inheritance parent with its children): <see cref="ChildColumns"/> of <see cref="Child"/> hold values of
/// <see cref="ParentColumns"/> of <see cref="Parent"/>. Comes from foreign keys, wherever in the tree they are declared,
/// or from configured links.
/// </summary>
/// <param name="Name">The constraint's name, or <c>link:schema.table.column</c> for a configured link.</param>
/// <param name="Child">The referencing logical table, <c>schema.table</c>.</param>
/// <param name="ChildColumns">The referencing columns.</param>
/// <param name="Parent">The referenced logical table, <c>schema.table</c>.</param>
/// <param name="ParentColumns">The referenced columns, in the same order.</param>
/// <param name="Found">Where the reference was found, for people (e.g. <c>foreign key declared on 6 of 7 partitions (...)</c>).</param>
internal sealed record SubjectLink(string Name, string Child, IReadOnlyList<string> ChildColumns, string Parent, IReadOnlyList<string> ParentColumns, string Found)
{
    /// <summary>Gets a value indicating whether it is a configured link (no foreign key).</summary>
    public bool Configured => Name.StartsWith("link:", StringComparison.Ordinal);

    /// <summary>Gets the table below <see cref="Child"/> whose own columns hold the reference when the logical table lacks them (an inheritance child's extra column); rows are then matched through it by <c>(tableoid, ctid)</c>.</summary>
    public PgTable? ChildScope { get; init; }

    /// <summary>Gets the table read for the referenced side when the logical table lacks <see cref="ParentColumns"/> (an inheritance child's extra column); <see langword="null"/>: the logical table.</summary>
    public PgTable? ParentSource { get; init; }

    /// <summary>Gets the path for people: <c>public.orders.(user_id) -&gt; public.users.(id) [where found]</c>.</summary>
    public string Path => $"{Child}.({string.Join(", ", ChildColumns)}) -> {Parent}.({string.Join(", ", ParentColumns)}) [{Found}]";
}
