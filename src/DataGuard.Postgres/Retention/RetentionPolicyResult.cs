namespace DataGuard.Postgres.Retention;

/// <summary>What one policy did in a run (or would do, in a dry run).</summary>
/// <param name="Policy">The policy.</param>
/// <param name="Action">The action.</param>
/// <param name="RowsAffected">Rows deleted (or that would be).</param>
/// <param name="RowsHeld">Expired rows spared by legal holds.</param>
/// <param name="Batches">Batches run.</param>
/// <param name="LongestBatchMs">The longest batch transaction.</param>
/// <param name="DurationMs">The policy's whole duration.</param>
/// <param name="Oldest">The oldest expired timestamp.</param>
/// <param name="Newest">The newest expired timestamp.</param>
/// <param name="SampleKeys">A few affected rows' ctids (dry run), or the partitions dropped.</param>
/// <param name="Error">The error, if the policy failed.</param>
public sealed record RetentionPolicyResult(
    string Policy,
    string Action,
    long RowsAffected,
    long RowsHeld,
    int Batches,
    long LongestBatchMs,
    long DurationMs,
    DateTimeOffset? Oldest,
    DateTimeOffset? Newest,
    IReadOnlyList<string> SampleKeys,
    string? Error)
{
    /// <summary>Gets the expired rows kept because rows referencing them are held (counted in <see cref="RowsHeld"/> too).</summary>
    public long ParentsHeldByChildren { get; init; }

    /// <summary>Gets the expired rows kept because other rows still reference them through a NO ACTION or RESTRICT key.</summary>
    public long RowsKeptByReferences { get; init; }

    /// <summary>Gets what deleting the rows does to other tables (first level, counted when the policy started).</summary>
    public IReadOnlyList<RetentionCascade> Cascades { get; init; } = [];

    /// <summary>Gets the partitions a DropPartitions policy kept although their bounds are expired, and why.</summary>
    public IReadOnlyList<string> Kept { get; init; } = [];

    /// <summary>Gets, per active legal hold that kept expired rows of this policy, how many (a row kept by two holds counts for each).</summary>
    public IReadOnlyList<RetentionHoldCount> Holds { get; init; } = [];

    /// <summary>Gets the expired rows this run left for the next one because acting on them failed (a reference added meanwhile, a cascaded row locked by the application, a trigger that refused).</summary>
    public long RowsSkipped { get; init; }

    /// <summary>Gets the first few skipped rows, with the reason (<c>schema.table (ctid): SQLSTATE: message</c>).</summary>
    public IReadOnlyList<string> SkipReasons { get; init; } = [];

    /// <summary>Gets how the policy identifies the rows it acts on, and why (for example <c>ctid in ONLY public.audit (no child tables)</c>).</summary>
    public string? RowIdentity { get; init; }

    /// <summary>Gets the archive objects written (ArchiveThenDelete, or DropPartitions with archiving).</summary>
    public IReadOnlyList<string> Archives { get; init; } = [];
}
