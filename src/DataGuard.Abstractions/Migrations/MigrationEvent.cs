namespace DataGuard.Migrations;

/// <summary>One up or down in the ledger's append-only history.</summary>
/// <param name="Version">The migration.</param>
/// <param name="Direction">up, down, resolve, rehearse, or adopt (taken over from another tool's ledger).</param>
/// <param name="Outcome">succeeded, no-op (an empty or comment-only script), failed, dirty, interrupted (cancelled or the connection lost while the script ran), the resolution, or for an adoption applied or dirty.</param>
/// <param name="At">When.</param>
/// <param name="By">Who.</param>
/// <param name="DurationMs">How long.</param>
/// <param name="DeployId">The deploy.</param>
/// <param name="Error">The error, if it failed.</param>
public sealed record MigrationEvent(long Version, string Direction, string Outcome, DateTimeOffset At, string By, long DurationMs, string? DeployId, string? Error);
