namespace DataGuard.Postgres.Retention;

/// <summary>A retention run: its audit id, and each policy's result.</summary>
/// <param name="RunId">The id in <c>dataguard.retention_runs</c>.</param>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="Results">Each policy's result.</param>
public sealed record RetentionRunResult(long RunId, bool DryRun, IReadOnlyList<RetentionPolicyResult> Results);
