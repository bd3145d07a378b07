using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DataGuard.DependencyInjection;

/// <summary>Adds retention policies' services and code-registered predicates.</summary>
public static class RetentionDataGuardBuilderExtensions
{
    /// <summary>
    /// Registers a TRUSTED SQL condition that retention policies can name in <c>Predicate</c>; it is put into the
    /// statement as written, with the policy's table aliased <c>t</c> (e.g. <c>t.status = 'closed'</c>). Never build it
    /// from user input.
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
        builder.Services.AddSingleton(new RetentionPredicate(name, sql));
        return builder;
    }

    /// <summary>Adds a retention policy in code (in addition to those of <c>DataGuard:Retention:Policies</c>).</summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="policy">The policy.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddRetentionPolicy(this IDataGuardBuilder builder, RetentionPolicyOptions policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        builder.Services.Configure<RetentionOptions>(o => o.Policies.Add(policy));
        return builder;
    }

    internal static void AddRetentionServices(this IDataGuardBuilder builder)
    {
        var services = builder.Services;
        builder.AddDataGuardOptions<RetentionOptions, RetentionOptionsValidator>(RetentionOptions.SectionPath);
        services.TryAddSingleton<LegalHolds>();
        services.TryAddSingleton<RetentionRunner>();
        services.TryAddSingleton<RetentionHistory>();
        if (!services.Any(d => d.ServiceType == typeof(RetentionScheduler)))
        {
            services.AddHostedService<RetentionCatalogCheck>();
            services.AddSingleton<RetentionScheduler>();
            services.AddHostedService(sp => sp.GetRequiredService<RetentionScheduler>());
        }
    }
}
