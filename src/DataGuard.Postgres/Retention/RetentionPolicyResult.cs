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
/// <param name="SampleKeys">A few keys of affected rows (dry run).</param>
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
    string? Error);
