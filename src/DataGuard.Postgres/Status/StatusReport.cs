namespace DataGuard.Postgres.Status;

/// <summary>One screen of DataGuard's state: each line a part (backups, PITR, drills, retention, migrations, exports) with its state and a sentence.</summary>
/// <param name="GeneratedAt">When the report was made.</param>
/// <param name="Items">The parts.</param>
internal sealed record StatusReport(DateTimeOffset GeneratedAt, IReadOnlyList<StatusItem> Items)
{
    /// <summary>Gets a value indicating whether every part is OK (or not in use).</summary>
    public bool Healthy => Items.All(i => i.State is StatusState.Ok or StatusState.Off);
}
