namespace DataGuard.Postgres.Migrations;

/// <summary>How one migration fared in a rehearsal (up, down, up again on a scratch copy of the schema).</summary>
/// <param name="Version">The version.</param>
/// <param name="Title">The title.</param>
/// <param name="UpMs">The first up's duration.</param>
/// <param name="DownMs">The down's duration.</param>
/// <param name="ReUpMs">The second up's duration.</param>
internal sealed record Rehearsal(long Version, string Title, long UpMs, long DownMs, long ReUpMs);
