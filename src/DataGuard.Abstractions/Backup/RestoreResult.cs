namespace DataGuard.Backup;

/// <summary>The outcome of a restore.</summary>
/// <param name="BackupId">The backup restored.</param>
/// <param name="Target">The target, free of secrets.</param>
/// <param name="DurationSeconds">How long the restore took.</param>
/// <param name="Tables">Each table of the manifest with its expected and restored row counts.</param>
public sealed record RestoreResult(string BackupId, string Target, double DurationSeconds, IReadOnlyList<TableRowCheck> Tables)
{
    /// <summary>Gets a value indicating whether every table has the row count of the manifest.</summary>
    public bool RowCountsMatch => Tables.All(t => t.Matches);
}
