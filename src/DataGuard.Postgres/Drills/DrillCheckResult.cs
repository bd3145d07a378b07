namespace DataGuard.Postgres.Drills;

/// <summary>One check of a drill.</summary>
/// <param name="Name">The check.</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">What was found.</param>
internal sealed record DrillCheckResult(string Name, bool Passed, string Detail);
