namespace DataGuard.Postgres.Retention;

/// <summary>How many expired rows of a policy one legal hold kept: its own rows, and rows that held rows reference directly or through other tables.</summary>
/// <param name="HoldId">The hold's id.</param>
/// <param name="Rows">The expired rows it kept.</param>
public sealed record RetentionHoldCount(long HoldId, long Rows);
