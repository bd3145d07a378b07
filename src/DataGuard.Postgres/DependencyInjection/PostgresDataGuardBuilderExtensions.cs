using Microsoft.Extensions.Configuration;
using DataGuard.Backup;
using DataGuard.Coordination;
using DataGuard.Migrations;
using DataGuard.Postgres;
using DataGuard.Postgres.Backup;
using DataGuard.Postgres.Coordination;
using DataGuard.Postgres.Diagnostics;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Export;
using DataGuard.Postgres.Health;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Pitr;
using DataGuard.Postgres.Retention;
using DataGuard.Postgres.Status;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>Adds PostgreSQL to DataGuard: backups, point-in-time recovery, migrations, retention, export and drills.</summary>
public static class PostgresDataGuardBuilderExtensions
{
    /// <summary>
    /// Adds every PostgreSQL feature: backups, point-in-time recovery, migrations, retention, export and drills, plus
    /// the status report and the doctor's data-protection check. Each feature's section (<c>DataGuard:Postgres</c>,
    /// <c>DataGuard:Migrations</c>, <c>DataGuard:Retention</c>, <c>DataGuard:Export</c>, <c>DataGuard:Drills</c>) is
    /// validated at start-up. A host that uses only some features calls their <c>Add*</c> methods instead. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="configure">Changes the PostgreSQL options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddPostgres(this IDataGuardBuilder builder, Action<PostgresOptions>? configure = null)
    {
        AddPostgresCore(builder, configure);
        builder.AddPostgresBackups().AddPitr().AddMigrations().AddRetention().AddExport().AddDrills();
        builder.AddDoctorCheck<DataProtectionDoctorCheck>();
        var services = builder.Services;
        services.TryAddSingleton<StatusService.Parts>();
        services.TryAddSingleton(sp => new StatusService(
            sp.GetRequiredService<StatusService.Parts>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<HealthCheckService>()));
        return builder;
    }

    /// <summary>
    /// Adds logical (<c>pg_dump</c>) and physical (<c>pg_basebackup</c>) backups of the database of
    /// <c>DataGuard:Postgres</c>, for the backup service of <c>AddDataGuard()</c>, and named restore points. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddPostgresBackups(this IDataGuardBuilder builder)
    {
        var services = AddPostgresCore(builder, configure: null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackupProvider, PgDumpBackupProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackupProvider, PgBaseBackupProvider>());
        services.TryAddSingleton<Func<BackupService>>(sp => sp.GetRequiredService<BackupService>);
        services.TryAddSingleton<RestorePoints>();
        services.TryAddSingleton<Func<RestorePoints>>(sp => sp.GetRequiredService<RestorePoints>);
        builder.AddDoctorCheck<DataGuard.Diagnostics.StagingDoctorCheck>();   // staging folders of killed parallel backups (unencrypted)
        return builder;
    }

    /// <summary>
    /// Adds point-in-time recovery: restore points, PITR restores (with physical backups) and the
    /// <c>dataguard-wal-archive</c> health check. WAL archiving itself is configured under <c>DataGuard:Pitr</c>. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddPitr(this IDataGuardBuilder builder)
    {
        builder.AddPostgresBackups();
        var services = builder.Services;
        services.TryAddSingleton<PitrRestoreService>();
        AddOnce<WalArchiveHealthCheck>(services, () =>
            services.AddHealthChecks().AddCheck<WalArchiveHealthCheck>(WalArchiveHealthCheck.Name, tags: ["dataguard", "pitr"]));
        return builder;
    }

    /// <summary>
    /// Adds the migration ledger and runner (<c>DataGuard:Migrations</c>): up, down with stored scripts, rehearsal on a
    /// throwaway copy. Adds backups, which a run takes before it changes anything. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddMigrations(this IDataGuardBuilder builder)
    {
        builder.AddPostgresBackups();
        var services = builder.Services;
        builder.AddDataGuardOptions<MigrationsOptions, MigrationsOptionsValidator>(MigrationsOptions.SectionPath, static (section, options) => section.Bind(options));
        services.TryAddSingleton<IMigrationLedger, PostgresMigrationLedger>();
        services.TryAddSingleton<MigrationServices>();
        services.TryAddSingleton(sp => new Migrator(
            sp.GetRequiredService<MigrationServices>(), sp.GetRequiredService<IOptions<MigrationsOptions>>()));
        services.TryAddSingleton(sp => new MigrationRehearser(
            sp.GetRequiredService<MigrationServices>(), sp.GetRequiredService<IOptions<PostgresOptions>>(),
            sp.GetRequiredService<IOptions<MigrationsOptions>>(), sp.GetRequiredService<PgToolLocator>()));
        return builder;
    }

    /// <summary>
    /// Adds retention policies (<c>DataGuard:Retention</c>): the runner, legal holds, the run history, the catalog check
    /// at start-up and the scheduler. Legal holds by subject use the export's subject map, so this adds export too.
    /// Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddRetention(this IDataGuardBuilder builder)
    {
        builder.AddExport();
        var services = builder.Services;
        builder.AddDataGuardOptions<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<RetentionPolicyOptions>();
        builder.AddNestedDataGuardOptions<DataGuard.Retention.RetentionCondition>();
        builder.AddNestedDataGuardOptions<DataGuard.Retention.AnonymizeRule>();
        services.TryAddSingleton(InternalActivator.Create<LegalHolds>);
        services.TryAddSingleton(InternalActivator.Create<RetentionRunner>);
        services.TryAddSingleton<RetentionHistory>();
        services.TryAddSingleton<Func<RetentionRunner>>(sp => sp.GetRequiredService<RetentionRunner>);
        AddOnce<RetentionScheduler>(services, () =>
        {
            services.AddHostedService<RetentionCatalogCheck>();
            services.AddSingleton<RetentionScheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<RetentionScheduler>());
        });
        return builder;
    }

    /// <summary>
    /// Adds data export (<c>DataGuard:Export</c>): a subject's data as JSON, CSV and PDF, table exports, and
    /// self-service export jobs with their worker and expiring links. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddExport(this IDataGuardBuilder builder)
    {
        var services = AddPostgresCore(builder, configure: null);
        builder.AddDataGuardOptions<ExportOptions, ExportOptionsValidator>(ExportOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<ExportSubjectOptions>();
        builder.AddNestedDataGuardOptions<ExportLink>();
        builder.AddNestedDataGuardOptions<RedactionOptions>();
        services.TryAddSingleton<SubjectExports>();
        services.TryAddSingleton<Func<SubjectExports>>(sp => sp.GetRequiredService<SubjectExports>);
        services.TryAddSingleton<TableExports>();
        services.TryAddSingleton(InternalActivator.Create<ExportJobs>);
        services.TryAddSingleton<ExportJobRunner>();
        builder.AddDoctorCheck<DataGuard.Diagnostics.PdfFontsDoctorCheck>();   // which scripts PDF exports have no font for
        AddOnce<ExportWorker>(services, () =>
        {
            services.AddSingleton<ExportWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
        });
        return builder;
    }

    /// <summary>
    /// Adds restore drills (<c>DataGuard:Drills</c>): logical and physical drills measuring RTO and RPO, their schedule
    /// and the <c>dataguard-drill</c> health check. Adds backups and point-in-time recovery, which drills restore. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddDrills(this IDataGuardBuilder builder)
    {
        builder.AddPitr();
        var services = builder.Services;
        builder.AddDataGuardOptions<DrillOptions, DrillOptionsValidator>(DrillOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<DrillCheckOptions>();
        services.TryAddSingleton<DrillService>();
        AddOnce<DrillScheduler>(services, () =>
        {
            services.AddSingleton<DrillScheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<DrillScheduler>());
            services.AddHealthChecks().AddCheck<DrillHealthCheck>(DrillHealthCheck.Name, tags: ["dataguard", "drill"]);
        });
        return builder;
    }

    /// <summary>
    /// Registers a TRUSTED SQL condition that retention policies can name in <c>Predicate</c>; it is put into the
    /// statement as written, with the policy's table aliased <c>t</c> (e.g. <c>t.status = 'closed'</c>). Never build it
    /// from user input. Adds retention (<see cref="AddRetention"/>).
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="name">The name policies use.</param>
    /// <param name="sql">The condition.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddRetentionPredicate(this IDataGuardBuilder builder, string name, string sql)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        builder.AddRetention();
        builder.Services.AddSingleton(new RetentionPredicate(name, sql));
        return builder;
    }

    /// <summary>Adds a retention policy in code (in addition to those of <c>DataGuard:Retention:Policies</c>), and retention (<see cref="AddRetention"/>), which runs it.</summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="policy">The policy.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddRetentionPolicy(this IDataGuardBuilder builder, RetentionPolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        builder.AddRetention();
        builder.Services.Configure<RetentionOptions>(o => o.Policies.Add(policy));
        return builder;
    }

    /// <summary>
    /// Declares, in code, a reference that has no foreign key (in addition to <c>DataGuard:Export:Links</c>): the column
    /// <paramref name="from"/> holds values of <paramref name="to"/>, the subject's key or a column of any table the
    /// subject data map reaches, so a chain of links is a join path. Both are <c>schema.table.column</c>.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="from">The referencing column (e.g. <c>public.audit_log.actor_id</c>).</param>
    /// <param name="to">The referenced column (e.g. <c>public.users.id</c>).</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddExportLink(this IDataGuardBuilder builder, string from, string to)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        builder.AddExport();
        builder.Services.Configure<ExportOptions>(o => o.Links.Add(new ExportLink { From = from, To = to }));
        return builder;
    }

    /// <summary>The options, data source, tool locator, lock and doctor check every PostgreSQL feature uses.</summary>
    private static IServiceCollection AddPostgresCore(IDataGuardBuilder builder, Action<PostgresOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddDataGuardOptions<PostgresOptions, PostgresOptionsValidator>(PostgresOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<PgDumpOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<DataGuardDataSource>();
        services.TryAddSingleton<PgToolLocator>();
        if (!services.Any(d => d.ServiceType == typeof(IDistributedLock) && d.ImplementationType == typeof(PostgresAdvisoryLock)))
        {
            services.Replace(ServiceDescriptor.Singleton<IDistributedLock, PostgresAdvisoryLock>());
        }
        builder.AddDoctorCheck<PostgresDoctorCheck>();
        return services;
    }

    /// <summary>Runs <paramref name="add"/> the first time only (hosted services and health checks must not be added twice).</summary>
    private static void AddOnce<TFeature>(IServiceCollection services, Action add)
    {
        if (!services.Any(d => d.ServiceType == typeof(Added<TFeature>)))
        {
            services.AddSingleton(new Added<TFeature>());
            add();
        }
    }

    /// <summary>Marks a feature's one-time registrations as done.</summary>
    private sealed class Added<TFeature>;
}
