namespace DataGuard.Postgres.Catalog;

/// <summary>A foreign key: <see cref="ChildColumns"/> of <see cref="Child"/> reference <see cref="ParentColumns"/> of <see cref="Parent"/>.</summary>
/// <param name="Name">The constraint's name.</param>
/// <param name="Child">The referencing table, <c>schema.table</c>.</param>
/// <param name="ChildColumns">The referencing columns.</param>
/// <param name="Parent">The referenced table, <c>schema.table</c>.</param>
/// <param name="ParentColumns">The referenced columns, in the same order.</param>
/// <param name="OnDelete">The ON DELETE rule.</param>
internal sealed record PgForeignKey(string Name, string Child, IReadOnlyList<string> ChildColumns, string Parent, IReadOnlyList<string> ParentColumns, PgDeleteRule OnDelete)
{
    /// <summary>Gets a value indicating whether deleting a referenced row changes the referencing rows (cascade, set null, set default).</summary>
    public bool Cascades => OnDelete is PgDeleteRule.Cascade or PgDeleteRule.SetNull or PgDeleteRule.SetDefault;

    /// <summary>SQL that is true when the row aliased <paramref name="childAlias"/> references the row aliased <paramref name="parentAlias"/>.</summary>
    /// <param name="childAlias">The child's alias.</param>
    /// <param name="parentAlias">The parent's alias.</param>
    /// <returns>The join condition, identifiers quoted.</returns>
    public string JoinCondition(string childAlias, string parentAlias) => string.Join(
        " AND ",
        ChildColumns.Select((c, i) => $"{childAlias}.{PgIdentifiers.Quote(c)} = {parentAlias}.{PgIdentifiers.Quote(ParentColumns[i])}"));
}
