namespace DataGuard.Postgres.Export;

/// <summary>One table the subject data map considered, and what it did with it.</summary>
/// <param name="Table">The table, <c>schema.table</c> (a partitioned table or inheritance parent stands for the tables below it).</param>
/// <param name="Status">Included, excluded, probable link or not linked.</param>
/// <param name="Detail">Through which paths, by which rule, or which columns, in words.</param>
internal sealed record CoverageEntry(string Table, CoverageStatus Status, string Detail)
{
    /// <summary>Gets the status as the manifests spell it: <c>included</c>, <c>excluded</c>, <c>probable-link</c>, <c>not-linked</c>.</summary>
    public string StatusName => Status switch
    {
        CoverageStatus.Included => "included",
        CoverageStatus.Excluded => "excluded",
        CoverageStatus.ProbableLink => "probable-link",
        _ => "not-linked",
    };
}
