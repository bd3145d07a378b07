using System.Globalization;
using System.Security.Claims;
using DataGuard.Export;
using DataGuard.Postgres.Export;
using DataGuard.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataGuard.AspNetCore.Export;

/// <summary>
/// The self-service export endpoints over <see cref="ExportJobs"/>: request, status and download. The subject is the
/// signed-in user's (<see cref="DataGuardExportEndpointOptions"/>); a job of another subject answers exactly as a job that
/// does not exist (404), so ids cannot be probed. Every error is an RFC 9457 problem details document.
/// </summary>
internal static class ExportEndpoints
{
    public const string RequestName = "DataGuardRequestExport";
    public const string StatusName = "DataGuardExportStatus";
    public const string DownloadName = "DataGuardDownloadExport";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string pattern, DataGuardExportEndpointOptions options)
    {
        if (endpoints.ServiceProvider.GetService<ExportJobs>() is null)
        {
            throw new InvalidOperationException("MapDataGuardExports needs DataGuard's export jobs: call services.AddDataGuard().AddPostgres() (or .AddExport()) first.");
        }

        var basePath = "/" + pattern.Trim('/');
        if (options.AuthorizationPolicy is { } named)
        {
            DependencyInjection.AuthorizationPolicyCheck.RequireKnown(endpoints.ServiceProvider, named, $"MapDataGuardExports(\"{basePath}\")");
        }

        var group = endpoints.MapGroup(basePath).WithTags("DataGuard export");
        _ = options.AuthorizationPolicy is { } policy ? group.RequireAuthorization(policy) : group.RequireAuthorization();

        group.MapPost("/", (HttpContext http, ExportRequestBody? body, ExportJobs jobs, ILoggerFactory logs, CancellationToken ct) =>
                RequestAsync(http, body, jobs, options, basePath, logs, ct))
            .WithName(RequestName)
            .WithSummary("Ask for all of my data")
            .WithDescription("Queues an export of the signed-in user's data in the formats asked for (default json, csv and pdf). One request per rate-limit period (DataGuard:Export:RateLimit).")
            .Accepts<ExportRequestBody>(isOptional: true, "application/json")
            .Produces<ExportJobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{id:guid}", (Guid id, HttpContext http, ExportJobs jobs, ILoggerFactory logs, CancellationToken ct) =>
                StatusAsync(id, http, jobs, options, basePath, logs, ct))
            .WithName(StatusName)
            .WithSummary("The state of one of my exports")
            .WithDescription("The job's state and, once ready, one download address per file.")
            .Produces<ExportJobView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{id:guid}/files/{format}", (Guid id, string format, HttpContext http, ExportJobs jobs, IBackupStorage storage, ILoggerFactory logs, CancellationToken ct) =>
                DownloadAsync(id, format, http, jobs, storage, options, logs, ct))
            .WithName(DownloadName)
            .WithSummary("Download one file of my export")
            .WithDescription("Redirects (302) to the file's expiring link; storage without web links (a local disk) streams the file instead.")
            .Produces(StatusCodes.Status302Found)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>The subject of the signed-in user: the resolver's answer, else the configured claim; never the request's body or path.</summary>
    internal static string? SubjectOf(ClaimsPrincipal user, DataGuardExportEndpointOptions options) =>
        user.Identity?.IsAuthenticated != true
            ? null
            : (options.SubjectResolver is { } resolve ? resolve(user) : user.FindFirst(options.SubjectClaimType)?.Value) is { } subject && !string.IsNullOrWhiteSpace(subject) ? subject : null;

    private static async Task<IResult> RequestAsync(HttpContext http, ExportRequestBody? body, ExportJobs jobs, DataGuardExportEndpointOptions options, string basePath, ILoggerFactory logs, CancellationToken ct)
    {
        if (SubjectOf(http.User, options) is not { } subject)
        {
            return NoSubject();
        }

        if (body?.Formats is { } formats && UnknownFormat(formats, http.RequestServices.GetRequiredService<SubjectExports>()) is { } invalid)
        {
            return TypedResults.Problem(invalid, statusCode: StatusCodes.Status400BadRequest, title: "The export request is not valid");
        }

        try
        {
            var job = await jobs.RequestExportAsync(subject, body?.Formats, $"self-service:{subject}", ct).ConfigureAwait(false);
            var view = ExportJobView.From(job, http.Request.PathBase + basePath);
            return TypedResults.Accepted($"{http.Request.PathBase}{basePath}/{job.Id}", view);
        }
        catch (ExportRateLimitedException ex)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling((ex.RetryAfter - DateTimeOffset.UtcNow).TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                ex.Message,
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many export requests",
                type: "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                extensions: new Dictionary<string, object?> { ["retryAfter"] = ex.RetryAfter });
        }
        catch (SubjectNotFoundException)
        {
            return TypedResults.Problem("There is no data for your account to export.", statusCode: StatusCodes.Status404NotFound, title: "No data to export");
        }
        catch (DataGuardException ex) when (ex is SubjectKeyInvalidException || (ex.InnerException is PostgresException { SqlState: var state } && state.StartsWith("22", StringComparison.Ordinal)))
        {
            // The user's subject is not a value of the key's type (claim "abc" for an int key): this user has no data subject.
            return NoSubject();
        }
        catch (ExportRefusedException ex)
        {
            ExportEndpointLog.Failed(logs.CreateLogger(typeof(ExportEndpoints)), RequestName, ex);
            return Unavailable("Exports are switched off until the operator completes the export configuration.");
        }
        catch (Exception ex) when (ex is DataGuardException or NpgsqlException or StorageException)
        {
            // The configuration (Export:Subject), the database or the storage: the operator's to fix, logged with the details.
            ExportEndpointLog.Failed(logs.CreateLogger(typeof(ExportEndpoints)), RequestName, ex);
            return Unavailable("The export could not be queued: the export service is not available right now. Try again later.");
        }
    }

    private static async Task<IResult> StatusAsync(Guid id, HttpContext http, ExportJobs jobs, DataGuardExportEndpointOptions options, string basePath, ILoggerFactory logs, CancellationToken ct)
    {
        if (SubjectOf(http.User, options) is not { } subject)
        {
            return NoSubject();
        }

        try
        {
            var job = await jobs.GetExportAsync(id, ct).ConfigureAwait(false);
            return job is null || !await OwnsAsync(http, job, subject, ct).ConfigureAwait(false)
                ? NotFound()
                : TypedResults.Ok(ExportJobView.From(job, http.Request.PathBase + basePath));
        }
        catch (Exception ex) when (ex is DataGuardException or NpgsqlException or StorageException)
        {
            ExportEndpointLog.Failed(logs.CreateLogger(typeof(ExportEndpoints)), StatusName, ex);
            return Unavailable("The export's state could not be read: DataGuard's database or storage did not answer. Try again later.");
        }
    }

    private static async Task<IResult> DownloadAsync(Guid id, string format, HttpContext http, ExportJobs jobs, IBackupStorage storage, DataGuardExportEndpointOptions options, ILoggerFactory logs, CancellationToken ct)
    {
        if (SubjectOf(http.User, options) is not { } subject)
        {
            return NoSubject();
        }

        try
        {
            var job = await jobs.GetExportAsync(id, ct).ConfigureAwait(false);
            if (job is null || !await OwnsAsync(http, job, subject, ct).ConfigureAwait(false))
            {
                return NotFound();
            }

            if (job.Status == "expired")
            {
                return TypedResults.Problem("This export has expired and its files are deleted; ask for a new one.", statusCode: StatusCodes.Status410Gone, title: "Export expired");
            }

            if (job.Status != "ready" || job.Artifacts.FirstOrDefault(a => string.Equals(a.Format, format, StringComparison.OrdinalIgnoreCase)) is not { } artifact)
            {
                return TypedResults.Problem($"The export has no {format} file{(job.Status == "ready" ? string.Empty : " yet: it is " + job.Status)}.", statusCode: StatusCodes.Status404NotFound, title: "No such file");
            }

            if (artifact.Link is { Scheme: "http" or "https" } link)
            {
                // Not TypedResults.Redirect: its RedirectResult logs the presigned address (credential, signature) at Information.
                return new UnloggedRedirect(link);
            }

            var content = await storage.OpenReadAsync(artifact.Key, cancellationToken: ct).ConfigureAwait(false);
            return TypedResults.Stream(content, artifact.ContentType, $"my-data{Path.GetExtension(artifact.Key)}");
        }
        catch (Exception ex) when (ex is DataGuardException or NpgsqlException or StorageException)
        {
            ExportEndpointLog.Failed(logs.CreateLogger(typeof(ExportEndpoints)), DownloadName, ex);
            return Unavailable("The file could not be read: DataGuard's database or storage did not answer. Try again later.");
        }
    }

    /// <summary>Whether the job is the signed-in subject's: the same key as a value of the key column's type (a job records the canonical spelling, the claim may be "01" for 1).</summary>
    private static Task<bool> OwnsAsync(HttpContext http, ExportJob job, string subject, CancellationToken ct) =>
        string.Equals(job.Subject, subject, StringComparison.Ordinal)
            ? Task.FromResult(true)
            : http.RequestServices.GetRequiredService<SubjectExports>().SameSubjectAsync(job.Subject, subject, ct);

    /// <summary>Why the formats asked for are not valid, or <see langword="null"/> when they are.</summary>
    private static string? UnknownFormat(string[] formats, SubjectExports exports)
    {
        if (formats.Length == 0)
        {
            return "Name at least one format, or leave formats out for the default ones.";
        }

        foreach (var format in formats)
        {
            try
            {
                exports.Format(format);
            }
            catch (DataGuardException ex)
            {
                return ex.Message;
            }
        }

        return null;
    }

    private static ProblemHttpResult NoSubject() =>
        TypedResults.Problem("Your account has no data subject DataGuard can export.", statusCode: StatusCodes.Status403Forbidden, title: "No data subject");

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem("No export of yours has this id.", statusCode: StatusCodes.Status404NotFound, title: "Export not found");

    private static ProblemHttpResult Unavailable(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Export service unavailable");
}
