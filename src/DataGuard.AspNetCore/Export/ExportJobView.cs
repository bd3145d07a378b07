using DataGuard.Postgres.Export;

namespace DataGuard.AspNetCore.Export;

/// <summary>What the export endpoints answer about a job: its state and, once ready, where each file is. The subject's key is not in it.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Status"><c>pending</c>, <c>running</c>, <c>ready</c>, <c>failed</c> or <c>expired</c>.</param>
/// <param name="RequestedAt">When it was asked for.</param>
/// <param name="FinishedAt">When it was ready (or failed).</param>
/// <param name="ExpiresAt">When its files expire.</param>
/// <param name="Error">For a failed job, a fixed message for the user; the real cause (table names, SQL errors) stays in the logs and the dashboard.</param>
/// <param name="Files">The files, each with the download address (which redirects to the expiring link).</param>
internal sealed record ExportJobView(Guid Id, string Status, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt, DateTimeOffset? ExpiresAt, string? Error, IReadOnlyList<ExportFileView> Files)
{
    /// <summary>What a user is told about a failed export: never the worker's exception text.</summary>
    public const string FailedMessage = "Your export could not be prepared. Ask for a new one later; if it fails again, contact support.";

    public static ExportJobView From(ExportJob job, string basePath) => new(
        job.Id,
        job.Status,
        job.RequestedAt,
        job.FinishedAt,
        job.ExpiresAt,
        job.Status == "failed" ? FailedMessage : null,
        [.. job.Artifacts.Select(a => new ExportFileView(a.Format, a.Size, a.ContentType, $"{basePath}/{job.Id}/files/{Uri.EscapeDataString(a.Format)}"))]);
}

/// <summary>One file of a ready export.</summary>
/// <param name="Format">The format.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Url">Where to download it (a redirect to the expiring link).</param>
internal sealed record ExportFileView(string Format, long Size, string ContentType, string Url);
