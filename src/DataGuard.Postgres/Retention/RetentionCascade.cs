namespace DataGuard.Postgres.Retention;

/// <summary>Rows of another table that a policy's deletes reach through a foreign key.</summary>
/// <param name="Table">The referencing table, <c>schema.table</c>.</param>
/// <param name="Constraint">The foreign key.</param>
/// <param name="OnDelete">Its ON DELETE rule (CASCADE, SET NULL, SET DEFAULT).</param>
/// <param name="Rows">The referencing rows (first level).</param>
public sealed record RetentionCascade(string Table, string Constraint, string OnDelete, long Rows);
