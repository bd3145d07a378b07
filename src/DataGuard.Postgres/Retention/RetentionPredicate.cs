namespace DataGuard.Postgres.Retention;

/// <summary>
/// A condition written in SQL by the host's developers and registered in code
/// (<c>AddRetentionPredicate</c>); policies refer to it by name. It is TRUSTED: it is put into the statement as
/// written, with the policy's table aliased <c>t</c>. Configuration can only name a registered predicate, never supply SQL.
/// </summary>
/// <param name="Name">The name policies use.</param>
/// <param name="Sql">The condition, e.g. <c>t.status = 'closed'</c>.</param>
internal sealed record RetentionPredicate(string Name, string Sql);
