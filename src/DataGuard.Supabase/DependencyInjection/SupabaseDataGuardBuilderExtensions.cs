using Microsoft.Extensions.Configuration;
using DataGuard.Postgres;
using DataGuard.Postgres.Backup;
using DataGuard.Supabase;
using DataGuard.Supabase.Database;
using DataGuard.Supabase.Diagnostics;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>Adds Supabase to DataGuard.</summary>
public static class SupabaseDataGuardBuilderExtensions
{
    /// <summary>
    /// Adds Supabase (<c>DataGuard:Supabase</c>, validated at start-up): the <c>Supabase</c> preset of logical backups
    /// (on unless <c>DataGuard:Postgres:Dump:Preset</c> names another: platform schemas left out, restores into another
    /// project or a plain PostgreSQL), a start-up refusal of the transaction pooler, copies of Storage buckets, the
    /// platform's backup and PITR status through the Management API with the <c>dataguard-supabase</c> health check, and
    /// the doctor's Supabase checks. Adds PostgreSQL backups. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="configure">Changes the options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddSupabase(this IDataGuardBuilder builder, Action<SupabaseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPostgresBackups();
        builder.AddDataGuardOptions<SupabaseOptions, SupabaseOptionsValidator>(SupabaseOptions.SectionPath, static (section, options) => section.Bind(options));
        builder.AddNestedDataGuardOptions<SupabaseRestoreOptions>();
        builder.AddNestedDataGuardOptions<SupabaseStorageOptions>();
        var services = builder.Services;
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(SupabaseDumpProfile)))
        {
            return builder;
        }

        services.AddSingleton<SupabaseDumpProfile>();
        services.AddSingleton<PgDumpProfile>(sp => sp.GetRequiredService<SupabaseDumpProfile>());
        services.AddSingleton<IValidateOptions<PostgresOptions>, SupabaseConnectionValidator>();
        services.PostConfigure<PostgresOptions>(o => o.Dump.Preset ??= SupabaseDumpProfile.PresetName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SupabaseManagementClient>();
        services.TryAddSingleton<SupabasePlatformStatus>();
        services.TryAddSingleton<SupabaseStorageCopies>();
        services.AddHealthChecks().AddCheck<SupabaseHealthCheck>(SupabaseHealthCheck.Name, tags: ["dataguard", "supabase"]);
        builder.AddDoctorCheck<SupabaseDoctorCheck>();
        return builder;
    }
}
