namespace DataGuard.AspNetCore.Dashboard;

/// <summary>
/// Options of the section <c>DataGuard:Dashboard</c> (and of <see cref="DataGuardEndpointRouteBuilderExtensions.MapDataGuardDashboard"/>):
/// who may see the dashboard. It is never mapped without an authorization policy, except with
/// <see cref="AllowAnonymous"/> in the Development environment.
/// </summary>
public sealed class DataGuardDashboardOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Dashboard";

    /// <summary>Gets or sets the authorization policy the dashboard and its JSON API require (for example a policy of operators).</summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the dashboard is served without signing in. For local development only:
    /// honored in the Development environment (with a warning at start-up), ignored with a warning in every other one.
    /// Default: false.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Gets or sets the migrations folder whose files the migration page compares with the ledger (default: <c>DataGuard:Migrations:Directory</c>).</summary>
    public string? MigrationsDirectory { get; set; }
}
