namespace DataGuard.Backup;

/// <summary>One table's rows in the manifest and after a restore.</summary>
/// <param name="Table">The qualified table name.</param>
/// <param name="Expected">Rows in the manifest.</param>
/// <param name="Actual">Rows found, or <see langword="null"/> when the table is missing.</param>
public sealed record TableRowCheck(string Table, long Expected, long? Actual)
{
    /// <summary>Gets a value indicating whether the counts are equal.</summary>
    public bool Matches => Actual == Expected;
}
