namespace DataGuard.Postgres.Migrations;

/// <summary>One step a migration run would take (or took).</summary>
/// <param name="Version">The version.</param>
/// <param name="Title">The title.</param>
/// <param name="Direction">up or down.</param>
/// <param name="Script">The SQL.</param>
/// <param name="Transaction">in-transaction, no-transaction, or own-transaction (the script has its own BEGIN/COMMIT).</param>
public sealed record PlannedStep(long Version, string Title, string Direction, string Script, string Transaction);
