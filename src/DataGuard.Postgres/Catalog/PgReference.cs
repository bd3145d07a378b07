namespace DataGuard.Postgres.Catalog;

/// <summary>
/// A foreign key as declared (on a table, a partitioned table or a single partition): rows of <see cref="Child"/>
/// reference rows of <see cref="Parent"/>.
/// </summary>
/// <param name="Name">The constraint's name.</param>
/// <param name="Child">The referencing relation's oid.</param>
/// <param name="ChildColumns">The referencing columns.</param>
/// <param name="Parent">The referenced relation's oid.</param>
/// <param name="ParentColumns">The referenced columns, in the same order.</param>
/// <param name="OnDelete">The ON DELETE rule.</param>
/// <param name="ChildColumnsNotNull">Whether a referencing column is NOT NULL (SET NULL then fails the delete).</param>
internal sealed record PgReference(string Name, uint Child, IReadOnlyList<string> ChildColumns, uint Parent, IReadOnlyList<string> ParentColumns, PgDeleteRule OnDelete, bool ChildColumnsNotNull)
{
    /// <summary>SQL that is true when the row aliased <paramref name="childAlias"/> references the row aliased <paramref name="parentAlias"/>.</summary>
    /// <param name="childAlias">The child's alias.</param>
    /// <param name="parentAlias">The parent's alias.</param>
    /// <returns>The join condition, identifiers quoted.</returns>
    public string JoinCondition(string childAlias, string parentAlias) => string.Join(
        " AND ",
        ChildColumns.Select((c, i) => $"{childAlias}.{PgIdentifiers.Quote(c)} = {parentAlias}.{PgIdentifiers.Quote(ParentColumns[i])}"));
}
