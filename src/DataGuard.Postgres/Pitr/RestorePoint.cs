namespace DataGuard.Postgres.Pitr;

/// <summary>A named restore point made with <c>pg_create_restore_point</c>, as recorded in the catalog.</summary>
/// <param name="Name">The name.</param>
/// <param name="Lsn">Its WAL position.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="SystemIdentifier">The cluster it belongs to.</param>
internal sealed record RestorePoint(string Name, string Lsn, DateTimeOffset CreatedAt, string SystemIdentifier);
