using DataGuard.AspNetCore.Dashboard;
using DataGuard.AspNetCore.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace DataGuard.AspNetCore;

/// <summary>Maps DataGuard's endpoints into an ASP.NET Core application.</summary>
public static class DataGuardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the self-service export endpoints under <paramref name="pattern"/>: <c>POST</c> (ask for my data, 202),
    /// <c>GET {id}</c> (its state) and <c>GET {id}/files/{format}</c> (a redirect to the expiring link). The subject is
    /// the signed-in user's (a claim or a delegate, never the request's body or path); the endpoints require an
    /// authorization policy (the host's default one unless <see cref="DataGuardExportEndpointOptions.AuthorizationPolicy"/>
    /// names another); rate limits and errors are RFC 9457 problem details.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">The route prefix, such as <c>/me/data-export</c>.</param>
    /// <param name="configure">Sets the subject claim or resolver and the policy.</param>
    /// <returns>The route group, for more conventions (rate limiting, CORS, ...).</returns>
    public static RouteGroupBuilder MapDataGuardExports(this IEndpointRouteBuilder endpoints, string pattern = "/me/data-export", Action<DataGuardExportEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var options = new DataGuardExportEndpointOptions();
        configure?.Invoke(options);
        return ExportEndpoints.Map(endpoints, pattern, options);
    }

    /// <summary>
    /// Maps the read-only DR dashboard under <paramref name="pattern"/>: overview, backups, PITR window, drills,
    /// retention, migrations and exports as HTML pages, and the same data as JSON under <c>api/...</c>. Refuses to map
    /// without an authorization policy (<see cref="DataGuardDashboardOptions.AuthorizationPolicy"/>), except with
    /// <see cref="DataGuardDashboardOptions.AllowAnonymous"/> in the Development environment. Needs <c>AddDashboard()</c>.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">The route prefix, such as <c>/dataguard</c>.</param>
    /// <param name="configure">Changes the options bound from <c>DataGuard:Dashboard</c>.</param>
    /// <returns>The route group.</returns>
    /// <exception cref="InvalidOperationException">No authorization policy is set and anonymous access is not allowed.</exception>
    public static RouteGroupBuilder MapDataGuardDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/dataguard", Action<DataGuardDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        return DashboardEndpoints.Map(endpoints, pattern, configure);
    }
}
