namespace DataGuard.Postgres.Migrations;

/// <summary>What an <c>up</c> or <c>down</c> did.</summary>
/// <param name="DeployId">The deploy id (for up: the new deploy; for down: the run's id).</param>
/// <param name="Steps">The migrations applied or rolled back, in order.</param>
/// <param name="BackupId">The logical backup taken first, if any.</param>
/// <param name="RestorePoint">The restore point created first, if any.</param>
public sealed record MigrationRunResult(string DeployId, IReadOnlyList<PlannedStep> Steps, string? BackupId, string? RestorePoint);
