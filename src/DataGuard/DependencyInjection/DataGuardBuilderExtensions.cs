using DataGuard.Diagnostics;
using DataGuard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>Local-disk storage, doctor checks, and the building blocks for packages that extend <see cref="IDataGuardBuilder"/>.</summary>
public static class DataGuardBuilderExtensions
{
    /// <summary>
    /// Registers options bound from <paramref name="sectionPath"/> of the registered <see cref="IConfiguration"/>
    /// (if any), checked by <typeparamref name="TValidator"/> when the host starts. Idempotent.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <typeparam name="TValidator">Its validator.</typeparam>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="sectionPath">The configuration path, such as <c>DataGuard:Storage:S3</c>.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddDataGuardOptions<TOptions, TValidator>(this IDataGuardBuilder builder, string sectionPath)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return builder;
        }

        services.AddOptionsWithValidateOnStart<TOptions, TValidator>();
        services.AddSingleton<IConfigureOptions<TOptions>>(sp => new ConfigureFromOptionalConfiguration<TOptions>(sp.GetService<IConfiguration>(), sectionPath));
        services.AddSingleton(new Configuration.OptionsSection(sectionPath, typeof(TOptions)));
        return builder;
    }

    /// <summary>Registers a storage provider that <c>DataGuard:Storage:Provider</c> can select by <paramref name="name"/>. Idempotent per name.</summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="name">The provider's name.</param>
    /// <param name="factory">Builds the storage, once.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddStorageProvider(this IDataGuardBuilder builder, string name, Func<IServiceProvider, Storage.IBackupStorage> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var exists = builder.Services.Any(d =>
            d.ServiceType == typeof(StorageProviderRegistration)
            && d.ImplementationInstance is StorageProviderRegistration r
            && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
        if (!exists)
        {
            builder.Services.AddSingleton(new StorageProviderRegistration(name, factory));
        }

        return builder;
    }

    /// <summary>
    /// Selects local-disk storage (<c>DataGuard:Storage:Provider = FileSystem</c>) under <paramref name="root"/>,
    /// or under <c>DataGuard:Storage:FileSystem:Root</c> when <paramref name="root"/> is <see langword="null"/>.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="root">The folder that holds every object.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddFileSystemStorage(this IDataGuardBuilder builder, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDataGuard();
        builder.Services.Configure<StorageOptions>(options =>
        {
            options.Provider = StorageOptions.FileSystemProvider;
            if (root is not null)
            {
                options.FileSystem.Root = root;
            }
        });
        return builder;
    }

    /// <summary>Adds a check to <c>dataguard doctor</c>. Idempotent per type.</summary>
    /// <typeparam name="TCheck">The check.</typeparam>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddDoctorCheck<TCheck>(this IDataGuardBuilder builder)
        where TCheck : class, IDoctorCheck
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDoctorCheck, TCheck>());
        return builder;
    }

    private sealed class ConfigureFromOptionalConfiguration<TOptions>(IConfiguration? configuration, string sectionPath) : IConfigureOptions<TOptions>
        where TOptions : class
    {
        public void Configure(TOptions options) => configuration?.GetSection(sectionPath).Bind(options);
    }
}
