namespace DataGuard.Postgres.Export;

/// <summary>A self-service export request and what became of it.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Subject">The subject's key.</param>
/// <param name="Formats">The formats asked for.</param>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>ready</c>, <c>failed</c> or <c>expired</c>.</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="RequestedAt">When.</param>
/// <param name="Attempts">How many times a worker took it.</param>
/// <param name="StartedAt">When a worker first took it.</param>
/// <param name="FinishedAt">When it was ready (or failed).</param>
/// <param name="ExpiresAt">When its links and artifacts expire.</param>
/// <param name="Artifacts">The files, with download links while they live.</param>
/// <param name="Error">Why it failed.</param>
public sealed record ExportJob(
    Guid Id,
    string Subject,
    IReadOnlyList<string> Formats,
    string Status,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<ExportArtifact> Artifacts,
    string? Error)
{
    /// <summary>Gets the time from request to ready.</summary>
    public TimeSpan? Latency => Status is "ready" or "expired" && FinishedAt is { } done ? done - RequestedAt : null;
}
