// A minimal ASP.NET Core host showing self-service data export with DataGuard:
//   POST /me/exports                  ask for all of my data (json, csv, pdf)       -> 202 + the job
//   GET  /me/exports/{id}             the job's status and, once ready, download links
//   GET  /me/exports/{id}/{format}    the file itself, served by the app while the export has not expired
// "Signed in" is a stand-in: the X-User-Id header carries the user's id. Use your real authentication.
using DataGuard.DependencyInjection;
using DataGuard.Export;
using DataGuard.Postgres.Export;
using DataGuard.Storage;

var builder = WebApplication.CreateBuilder(args);
var dataGuard = builder.Services.AddDataGuard().AddPostgres();
if (!string.IsNullOrEmpty(builder.Configuration["DataGuard:Storage:S3:Bucket"]))
{
    dataGuard.AddS3Storage();
}

var app = builder.Build();

app.MapPost("/me/exports", async (HttpContext http, ExportJobs jobs, ExportRequest? request, CancellationToken ct) =>
{
    if (UserOf(http) is not { } user)
    {
        return Results.Unauthorized();
    }

    try
    {
        var job = await jobs.RequestExportAsync(user, request?.Formats, $"user:{user}", ct);
        return Results.Accepted($"/me/exports/{job.Id}", View(job, http));
    }
    catch (ExportRateLimitedException ex)
    {
        http.Response.Headers.RetryAfter = ex.RetryAfter.ToString("R");
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status429TooManyRequests);
    }
    catch (SubjectNotFoundException)
    {
        return Results.NotFound();
    }
});

app.MapGet("/me/exports/{id:guid}", async (Guid id, HttpContext http, ExportJobs jobs, CancellationToken ct) =>
{
    var job = await jobs.GetExportAsync(id, ct);
    return job is null || job.Subject != UserOf(http) ? Results.NotFound() : Results.Ok(View(job, http));
});

app.MapGet("/me/exports/{id:guid}/{format}", async (Guid id, string format, HttpContext http, ExportJobs jobs, IBackupStorage storage, CancellationToken ct) =>
{
    var job = await jobs.GetExportAsync(id, ct);
    if (job is null || job.Subject != UserOf(http) || job.Status != "ready" || job.Artifacts.FirstOrDefault(a => a.Format == format) is not { } artifact)
    {
        return Results.NotFound();
    }

    var content = await storage.OpenReadAsync(artifact.Key, cancellationToken: ct);
    return Results.Stream(content, artifact.ContentType, $"my-data{Path.GetExtension(artifact.Key)}");
});

app.Run();

static string? UserOf(HttpContext http) => http.Request.Headers["X-User-Id"].FirstOrDefault() is { Length: > 0 } user ? user : null;

static object View(ExportJob job, HttpContext http) => new
{
    job.Id,
    job.Status,
    job.RequestedAt,
    job.FinishedAt,
    job.ExpiresAt,
    job.Error,
    files = job.Artifacts.Select(a => new
    {
        a.Format,
        a.Size,
        url = $"{http.Request.Scheme}://{http.Request.Host}/me/exports/{job.Id}/{a.Format}",
        directUrl = a.Link is { Scheme: "http" or "https" } link ? link.ToString() : null,
    }),
};

/// <summary>The body of <c>POST /me/exports</c>.</summary>
/// <param name="Formats">The formats (default: json, csv, pdf).</param>
internal sealed record ExportRequest(string[]? Formats);
