namespace DataGuard.Postgres.Export;

/// <summary>A job a worker has claimed; only the holder of <see cref="Token"/> can finish it.</summary>
internal sealed record ExportClaim(Guid Id, string Subject, IReadOnlyList<string> Formats, int Attempt, Guid Token);
