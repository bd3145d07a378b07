using DataGuard.Backup;
using DataGuard.Pitr;
using DataGuard.Diagnostics;
using DataGuard.Configuration;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>Adds DataGuard to a service collection.</summary>
public static class DataGuardServiceCollectionExtensions
{
    /// <summary>
    /// Adds DataGuard's engine, with options bound from the configuration section <c>DataGuard</c> (when an
    /// <c>IConfiguration</c> is registered) and validated when the host starts. Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The builder that provider packages extend.</returns>
    public static IDataGuardBuilder AddDataGuard(this IServiceCollection services) => services.AddDataGuard(configure: null);

    /// <summary>
    /// Adds DataGuard's engine, with its options bound from the configuration section <c>DataGuard</c> (each feature
    /// from its own section: <c>DataGuard:Storage</c>, <c>DataGuard:Backup</c>, <c>DataGuard:Pitr</c>; change them in code
    /// with <c>services.Configure&lt;BackupOptions&gt;(...)</c>), and <paramref name="configure"/> applied to the section's
    /// own options (the time zone). Safe to call more than once: later calls only add their <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes <see cref="DataGuardOptions"/> after configuration was bound.</param>
    /// <returns>The builder that provider packages extend.</returns>
    public static IDataGuardBuilder AddDataGuard(this IServiceCollection services, Action<DataGuardOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new DataGuardBuilder(services);
        if (!services.Any(d => d.ServiceType == typeof(DataGuardMarker)))
        {
            services.AddSingleton<DataGuardMarker>();
            AddCore(builder);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private static void AddCore(IDataGuardBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        // Each options type is bound by the configuration binding source generator (a Bind call on the concrete type),
        // and the types nested in them are declared for the check of unknown keys: nothing here reflects.
        builder.AddDataGuardOptions<DataGuardOptions, DataGuardOptionsValidator>(DataGuardOptions.SectionName, static (section, options) => section.Bind(options));
        builder.AddDataGuardOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<FileSystemStorageOptions>();
        builder.AddDataGuardOptions<Backup.BackupOptions, Backup.BackupOptionsValidator>(Backup.BackupOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<Backup.CompressionOptions>();
        builder.AddNestedDataGuardOptions<Backup.EncryptionOptions>();
        builder.AddNestedDataGuardOptions<Backup.RetryOptions>();
        builder.AddNestedDataGuardOptions<Backup.BackupRetentionOptions>();
        builder.AddDataGuardOptions<Pitr.PitrOptions, Pitr.PitrOptionsValidator>(Pitr.PitrOptions.SectionPath, static (section, options) => section.Bind(options));

        builder.AddStorageProvider(StorageOptions.FileSystemProvider, sp =>
            new FileSystemBackupStorage(
                sp.GetRequiredService<IOptions<StorageOptions>>().Value.FileSystem,
                sp.GetRequiredService<ILogger<FileSystemBackupStorage>>()));
        services.TryAddSingleton<IBackupStorage>(SelectStorage);
        services.TryAddSingleton<Func<IBackupStorage>>(sp => sp.GetRequiredService<IBackupStorage>);
        services.TryAddSingleton<Func<Backup.BackupService>>(sp => sp.GetRequiredService<Backup.BackupService>);

        builder.AddDoctorCheck<ConfigurationDoctorCheck>();
        builder.AddDoctorCheck<StorageDoctorCheck>();
        services.TryAddSingleton<DataGuardDoctor>();
        services.TryAddSingleton(sp => new DataGuardMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(InternalActivator.Create<Backup.BackupService>);
        services.TryAddSingleton<Backup.BackupRunState>();
        services.TryAddSingleton<Pitr.WalArchive>();
        services.TryAddSingleton<Pitr.WalArchiveInspector>();
        services.TryAddSingleton<Pitr.WalSpoolArchiver>();
        services.TryAddSingleton<Pitr.WalReadyArchiver>();
        services.TryAddSingleton<Pitr.WalPrefetcher>();
        services.TryAddSingleton<Coordination.IDistributedLock, Coordination.ProcessLocalLock>();
        services.TryAddSingleton<Backup.BackupScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<Backup.BackupScheduler>());
        builder.AddDataGuardOptions<Export.PdfExportOptions, Export.PdfExportOptionsValidator>(Export.PdfExportOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<Export.PdfTableOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Export.IExporter, Export.JsonExporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Export.IExporter, Export.CsvZipExporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Export.IExporter, Export.PdfExporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Export.IExporter, Export.NdjsonExporter>());
        services.AddHealthChecks().AddCheck<Health.BackupHealthCheck>(Health.BackupHealthCheck.Name, tags: ["dataguard", "backup"]);
    }

    private static IBackupStorage SelectStorage(IServiceProvider services)
    {
        var provider = services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider;
        var registration = StorageProviderSelector.Select(provider, services.GetServices<StorageProviderRegistration>())
            ?? throw new DataGuardException($"DataGuard:Storage:Provider '{provider}' is not a registered storage provider.")
            {
                Operation = "storage.select",
            };
        return registration.Factory(services);
    }

    /// <summary>Marks a service collection DataGuard was added to, so a second call adds nothing twice.</summary>
    private sealed class DataGuardMarker;
}
