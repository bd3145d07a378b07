using DataGuard.Postgres;
using DataGuard.Postgres.Backup;
using DataGuard.Postgres.Diagnostics;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.DependencyInjection;

/// <summary>Adds PostgreSQL to DataGuard.</summary>
public static class PostgresDataGuardBuilderExtensions
{
    /// <summary>Marks a service collection AddPostgres() ran on, so health checks are added once.</summary>
    private sealed class PostgresDataSourceMarker;

    /// <summary>
    /// Adds the PostgreSQL parts: options from <c>DataGuard:Postgres</c> (validated at start-up), one shared
    /// <c>NpgsqlDataSource</c> for DataGuard, the pg tool locator and the doctor checks. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="configure">Changes the options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddPostgres(this IDataGuardBuilder builder, Action<PostgresOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddDataGuardOptions<PostgresOptions, PostgresOptionsValidator>(PostgresOptions.SectionPath);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<DataGuardDataSource>();
        services.TryAddSingleton<Func<DataGuard.Postgres.Retention.RetentionRunner>>(sp => sp.GetRequiredService<DataGuard.Postgres.Retention.RetentionRunner>);
        services.TryAddSingleton<Func<DataGuard.Postgres.Export.SubjectExports>>(sp => sp.GetRequiredService<DataGuard.Postgres.Export.SubjectExports>);
        services.TryAddSingleton<PgToolLocator>();
        services.TryAddSingleton<DataGuard.Postgres.Pitr.RestorePoints>();
        builder.AddDataGuardOptions<DataGuard.Postgres.Migrations.MigrationsOptions, DataGuard.Postgres.Migrations.MigrationsOptionsValidator>(DataGuard.Postgres.Migrations.MigrationsOptions.SectionPath);
        services.TryAddSingleton<DataGuard.Migrations.IMigrationLedger, DataGuard.Postgres.Migrations.PostgresMigrationLedger>();
        services.TryAddSingleton<Func<DataGuard.Backup.BackupService>>(sp => sp.GetRequiredService<DataGuard.Backup.BackupService>);
        services.TryAddSingleton<Func<DataGuard.Postgres.Pitr.RestorePoints>>(sp => sp.GetRequiredService<DataGuard.Postgres.Pitr.RestorePoints>);
        services.TryAddSingleton<DataGuard.Postgres.Migrations.MigrationServices>();
        services.TryAddSingleton(sp => new DataGuard.Postgres.Migrations.Migrator(
            sp.GetRequiredService<DataGuard.Postgres.Migrations.MigrationServices>(), sp.GetRequiredService<IOptions<DataGuard.Postgres.Migrations.MigrationsOptions>>()));
        services.TryAddSingleton(sp => new DataGuard.Postgres.Migrations.MigrationRehearser(
            sp.GetRequiredService<DataGuard.Postgres.Migrations.MigrationServices>(), sp.GetRequiredService<IOptions<PostgresOptions>>(),
            sp.GetRequiredService<IOptions<DataGuard.Postgres.Migrations.MigrationsOptions>>(), sp.GetRequiredService<PgToolLocator>()));
        builder.AddRetentionServices();
        builder.AddExportServices();
        builder.AddDrillServices();
        services.TryAddSingleton<DataGuard.Postgres.Pitr.PitrRestoreService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<DataGuard.Backup.IBackupProvider, PgDumpBackupProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<DataGuard.Backup.IBackupProvider, PgBaseBackupProvider>());
        services.Replace(ServiceDescriptor.Singleton<DataGuard.Coordination.IDistributedLock, DataGuard.Postgres.Coordination.PostgresAdvisoryLock>());
        builder.AddDoctorCheck<PostgresDoctorCheck>();
        builder.AddDoctorCheck<DataGuard.Postgres.Diagnostics.DataProtectionDoctorCheck>();
        if (!services.Any(d => d.ServiceType == typeof(PostgresDataSourceMarker)))
        {
            services.AddSingleton<PostgresDataSourceMarker>();
            services.AddHealthChecks().AddCheck<DataGuard.Postgres.Health.WalArchiveHealthCheck>(DataGuard.Postgres.Health.WalArchiveHealthCheck.Name, tags: ["dataguard", "pitr"]);
        }
        return builder;
    }
}
