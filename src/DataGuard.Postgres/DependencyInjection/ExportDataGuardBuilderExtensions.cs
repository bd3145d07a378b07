using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataGuard.DependencyInjection;

/// <summary>Adds the export services (subject data map, subject and table exports, self-service jobs and their worker).</summary>
internal static class ExportDataGuardBuilderExtensions
{
    internal static void AddExportServices(this IDataGuardBuilder builder)
    {
        var services = builder.Services;
        builder.AddDataGuardOptions<ExportOptions, ExportOptionsValidator>(ExportOptions.SectionPath);
        services.TryAddSingleton<SubjectExports>();
        services.TryAddSingleton<TableExports>();
        services.TryAddSingleton<ExportJobs>();
        services.TryAddSingleton<ExportJobRunner>();
        if (!services.Any(d => d.ServiceType == typeof(ExportWorker)))
        {
            services.AddSingleton<ExportWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
        }
    }
}
