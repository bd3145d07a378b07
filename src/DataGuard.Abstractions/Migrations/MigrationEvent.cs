namespace DataGuard.Migrations;

/// <summary>One up or down in the ledger's append-only history.</summary>
/// <param name="Version">The migration.</param>
/// <param name="Direction">up, down or resolve.</param>
/// <param name="Outcome">succeeded, failed, dirty, interrupted (cancelled or the connection lost while the script ran), or the resolution.</param>
/// <param name="At">When.</param>
/// <param name="By">Who.</param>
/// <param name="DurationMs">How long.</param>
/// <param name="DeployId">The deploy.</param>
/// <param name="Error">The error, if it failed.</param>
public sealed record MigrationEvent(long Version, string Direction, string Outcome, DateTimeOffset At, string By, long DurationMs, string? DeployId, string? Error);
