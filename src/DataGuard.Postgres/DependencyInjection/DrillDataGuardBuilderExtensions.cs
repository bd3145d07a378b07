using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataGuard.DependencyInjection;

/// <summary>Adds restore drills: the service, the quarterly scheduler and the <c>dataguard-drill</c> health check.</summary>
internal static class DrillDataGuardBuilderExtensions
{
    internal static void AddDrillServices(this IDataGuardBuilder builder)
    {
        var services = builder.Services;
        builder.AddDataGuardOptions<DrillOptions, DrillOptionsValidator>(DrillOptions.SectionPath);
        services.TryAddSingleton<DrillService>();
        services.TryAddSingleton<DataGuard.Postgres.Status.StatusService.Parts>();
        services.TryAddSingleton(sp => new DataGuard.Postgres.Status.StatusService(
            sp.GetRequiredService<DataGuard.Postgres.Status.StatusService.Parts>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>()));
        if (!services.Any(d => d.ServiceType == typeof(DrillScheduler)))
        {
            services.AddSingleton<DrillScheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<DrillScheduler>());
            services.AddHealthChecks().AddCheck<DrillHealthCheck>(DrillHealthCheck.Name, tags: ["dataguard", "drill"]);
        }
    }
}
