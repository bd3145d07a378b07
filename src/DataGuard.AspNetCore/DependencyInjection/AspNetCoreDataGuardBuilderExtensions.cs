using DataGuard.AspNetCore.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataGuard.DependencyInjection;

/// <summary>Adds DataGuard's ASP.NET Core dashboard to the DataGuard builder.</summary>
public static class AspNetCoreDataGuardBuilderExtensions
{
    /// <summary>
    /// Adds the services of the DR dashboard (<c>MapDataGuardDashboard</c>) and its options, bound from
    /// <c>DataGuard:Dashboard</c> and checked at start-up. Add PostgreSQL too (<c>AddPostgres()</c>): the dashboard
    /// reads what <c>dataguard status</c> reads. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddDashboard(this IDataGuardBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddDataGuardOptions<DataGuardDashboardOptions, DataGuardDashboardOptionsValidator>(DataGuardDashboardOptions.SectionPath);
        builder.Services.TryAddSingleton<DashboardData>();
        return builder;
    }
}
