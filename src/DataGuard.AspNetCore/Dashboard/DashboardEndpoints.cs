using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>
/// Maps the dashboard: one HTML page and one JSON endpoint (<c>api/...</c>) per page, all GET, all read-only, behind the
/// dashboard's authorization policy; every response carries a strict Content-Security-Policy.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string pattern, Action<DataGuardDashboardOptions>? configure)
    {
        var services = endpoints.ServiceProvider;
        if (services.GetService<DashboardData>() is null)
        {
            throw new InvalidOperationException("MapDataGuardDashboard needs the dashboard's services: call services.AddDataGuard().AddPostgres().AddDashboard() first.");
        }

        var bound = services.GetRequiredService<IOptions<DataGuardDashboardOptions>>().Value;
        var options = new DataGuardDashboardOptions { AuthorizationPolicy = bound.AuthorizationPolicy, AllowAnonymous = bound.AllowAnonymous, MigrationsDirectory = bound.MigrationsDirectory };
        configure?.Invoke(options);
        var basePath = "/" + pattern.Trim('/');
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints).FullName!);
        var environment = services.GetService<IHostEnvironment>();
        var anonymous = options.AllowAnonymous && environment?.IsDevelopment() == true;
        if (options.AllowAnonymous && !anonymous)
        {
            DashboardLog.AnonymousIgnored(logger, environment?.EnvironmentName ?? "(unknown)", basePath);
        }

        if (!anonymous && string.IsNullOrWhiteSpace(options.AuthorizationPolicy))
        {
            throw new InvalidOperationException(
                $"MapDataGuardDashboard(\"{basePath}\") refuses to map the dashboard without an authorization policy: it shows the state of your backups and data. " +
                $"Name one (MapDataGuardDashboard(\"{basePath}\", o => o.AuthorizationPolicy = \"...\") or {DataGuardDashboardOptions.SectionPath}:AuthorizationPolicy); " +
                $"for local development only, {DataGuardDashboardOptions.SectionPath}:AllowAnonymous=true in the Development environment.");
        }

        var group = endpoints.MapGroup(basePath).WithTags("DataGuard dashboard").ExcludeFromDescription();
        if (anonymous)
        {
            DashboardLog.Anonymous(logger, basePath);
            group.AllowAnonymous();
        }
        else
        {
            DependencyInjection.AuthorizationPolicyCheck.RequireKnown(services, options.AuthorizationPolicy!, $"MapDataGuardDashboard(\"{basePath}\")");
            group.RequireAuthorization(options.AuthorizationPolicy!);
        }

        group.AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = DashboardLayout.ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            return await next(context).ConfigureAwait(false);
        });

        Page(group, basePath, string.Empty, "overview", "Overview", (d, ct) => d.OverviewAsync(ct), p => p.GeneratedAt, (p, b) => DashboardPages.Overview(p, b));
        Page(group, basePath, "backups", "backups", "Backup timeline", (d, ct) => d.BackupsAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Backups(p));
        Page(group, basePath, "pitr", "pitr", "Point-in-time recovery window", (d, ct) => d.PitrAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Pitr(p));
        Page(group, basePath, "drills", "drills", "Restore drills", (d, ct) => d.DrillsAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Drills(p));
        Page(group, basePath, "retention", "retention", "Retention runs", (d, ct) => d.RetentionAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Retention(p));
        Page(group, basePath, "migrations", "migrations", "Migration ledger", (d, ct) => d.MigrationsAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Migrations(p));
        Page(group, basePath, "exports", "exports", "Export jobs", (d, ct) => d.ExportsAsync(ct), p => p.GeneratedAt, (p, _) => DashboardPages.Exports(p));
        return group;
    }

    private static void Page<T>(RouteGroupBuilder group, string basePath, string slug, string api, string title, Func<DashboardData, CancellationToken, Task<T>> read, Func<T, DateTimeOffset> generatedAt, Func<T, string, string> body)
    {
        group.MapMethods("/" + slug, GetOrHead, async Task<IResult> (DashboardData data, HttpContext http, CancellationToken ct) =>
        {
            // Mapped at "/" the prefix is empty: links are "/backups", never the protocol-relative "//backups".
            var prefix = (http.Request.PathBase + basePath).TrimEnd('/');
            if (await data.SchemaNoticeAsync(ct).ConfigureAwait(false) is { } notice)
            {
                return TypedResults.Content(DashboardLayout.Render(prefix, slug, title, DashboardPages.Schema(notice), notice.GeneratedAt), "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var model = await read(data, ct).ConfigureAwait(false);
            return TypedResults.Content(DashboardLayout.Render(prefix, slug, title, body(model, prefix), generatedAt(model)), "text/html; charset=utf-8");
        }).WithName("DataGuardDashboard" + api);
        group.MapMethods("/api/" + api, GetOrHead, async Task<IResult> (DashboardData data, CancellationToken ct) =>
            await data.SchemaNoticeAsync(ct).ConfigureAwait(false) is { } notice
                ? TypedResults.Problem(
                    notice.Detail,
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "DataGuard's schema is not current",
                    extensions: new Dictionary<string, object?> { ["installedVersion"] = notice.InstalledVersion, ["expectedVersion"] = notice.ExpectedVersion, ["generatedAt"] = notice.GeneratedAt })
                : TypedResults.Json(await read(data, ct).ConfigureAwait(false), Json))
            .WithName("DataGuardDashboardApi" + api);
    }
}
