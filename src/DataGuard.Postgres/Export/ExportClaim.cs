namespace DataGuard.Postgres.Export;

/// <summary>A job a worker has claimed; only the holder of <see cref="Token"/> can finish it.</summary>
internal sealed record ExportClaim(Guid Id, string Subject, IReadOnlyList<string> Formats, int Attempt, Guid Token)
{
    /// <summary>Gets the earlier attempts lost to an outage (they do not count against <see cref="ExportOptions.MaxAttempts"/>).</summary>
    public int Outages { get; init; }
}
