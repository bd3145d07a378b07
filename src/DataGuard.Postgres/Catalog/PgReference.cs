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
/// <param name="ChildColumnsNotNull">Whether a column the ON DELETE action sets (all referencing columns, or the list of <c>SET NULL (...)</c>) is NOT NULL: SET NULL then fails the delete.</param>
internal sealed record PgReference(string Name, uint Child, IReadOnlyList<string> ChildColumns, uint Parent, IReadOnlyList<string> ParentColumns, PgDeleteRule OnDelete, bool ChildColumnsNotNull)
{
    /// <summary>Gets the referenced columns' collations, quoted (empty for a column without one): the key compares in them.</summary>
    public IReadOnlyList<string> ParentCollations { get; init; } = [];

    /// <summary>Gets the referencing columns' default expressions, as the catalog prints them (empty for a column without one): where ON DELETE SET DEFAULT points.</summary>
    public IReadOnlyList<string> ChildDefaults { get; init; } = [];

    /// <summary>
    /// Gets the row ON DELETE SET DEFAULT makes the referencing rows point to, as SQL values, or <see langword="null"/>
    /// when it is not a SET DEFAULT key, a column has no default (it becomes NULL), or a default is not a constant
    /// (a sequence, a function call): then nothing can be said in advance.
    /// </summary>
    public IReadOnlyList<string>? DefaultTarget =>
        OnDelete == PgDeleteRule.SetDefault && ChildDefaults.Count == ChildColumns.Count && ChildDefaults.All(d => d.Length > 0 && !d.Contains('(', StringComparison.Ordinal))
            ? ChildDefaults
            : null;

    /// <summary>SQL that is true when the row aliased <paramref name="childAlias"/> references the row aliased <paramref name="parentAlias"/>, compared as the key compares (in the referenced column's collation).</summary>
    /// <param name="childAlias">The child's alias.</param>
    /// <param name="parentAlias">The parent's alias.</param>
    /// <returns>The join condition, identifiers quoted.</returns>
    public string JoinCondition(string childAlias, string parentAlias) => string.Join(
        " AND ",
        ChildColumns.Select((c, i) =>
        {
            var collation = i < ParentCollations.Count && ParentCollations[i].Length > 0 ? " COLLATE " + ParentCollations[i] : string.Empty;
            return $"{childAlias}.{PgIdentifiers.Quote(c)}{collation} = {parentAlias}.{PgIdentifiers.Quote(ParentColumns[i])}{collation}";
        }));
}
