using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace DataGuard.AspNetCore.Export;

/// <summary>
/// A 302 to an expiring link that is itself a secret (a presigned S3 URL carries its credential and signature): unlike
/// ASP.NET Core's RedirectResult, which logs the whole address at Information, it writes nothing to the logs. The
/// answer is never cached (<c>Cache-Control: no-store</c>).
/// </summary>
/// <param name="location">Where the file is.</param>
internal sealed class UnloggedRedirect(Uri location) : IResult
{
    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status302Found;
        httpContext.Response.Headers[HeaderNames.Location] = location.AbsoluteUri;
        httpContext.Response.Headers[HeaderNames.CacheControl] = "no-store";
        return Task.CompletedTask;
    }
}
