using System.Diagnostics.CodeAnalysis;
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
    /// (if any) by <paramref name="bind"/>, checked by <typeparamref name="TValidator"/> when the host starts. Idempotent.
    /// Trim- and native AOT-safe when <paramref name="bind"/> is <c>static (section, options) =&gt; section.Bind(options)</c>
    /// in a project with the configuration binding source generator (<c>EnableConfigurationBindingGenerator</c>), which
    /// binds the concrete <typeparamref name="TOptions"/> at compile time. Types of options nested in
    /// <typeparamref name="TOptions"/> are declared with <see cref="AddNestedDataGuardOptions{TNested}"/>, so that unknown
    /// keys under them are found too. Empty and null values keep the reflection binder's meaning, whatever
    /// <paramref name="bind"/> is: an empty number, boolean, time span, enum or GUID fails the start, and a null value
    /// sets the property's default.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <typeparam name="TValidator">Its validator.</typeparam>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="sectionPath">The configuration path, such as <c>DataGuard:Storage:S3</c>.</param>
    /// <param name="bind">Binds the section (its first argument) to the options.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddDataGuardOptions<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IDataGuardBuilder builder, string sectionPath, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bind);
        return AddOptionsCore<TOptions, TValidator>(builder, sectionPath, bind, emulateReflectionBinder: true);
    }

    /// <summary>
    /// Registers options bound by reflection from <paramref name="sectionPath"/> of the registered
    /// <see cref="IConfiguration"/> (if any), checked by <typeparamref name="TValidator"/> when the host starts; the types
    /// of options nested in <typeparamref name="TOptions"/> are found by reflection too. Idempotent. Not trim- or native
    /// AOT-safe: use the overload that takes a bind delegate, and <see cref="AddNestedDataGuardOptions{TNested}"/>.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <typeparam name="TValidator">Its validator.</typeparam>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="sectionPath">The configuration path, such as <c>DataGuard:Storage:S3</c>.</param>
    /// <returns>The builder.</returns>
    [RequiresUnreferencedCode(ReflectionBindingMessage)]
    [RequiresDynamicCode(ReflectionBindingMessage)]
    public static IDataGuardBuilder AddDataGuardOptions<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IDataGuardBuilder builder, string sectionPath)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return builder;
        }

        // The reflection binder itself (a method group, not a call the binding generator would try to intercept: it
        // cannot bind a generic TOptions and says so with SYSLIB1104). Reflection is what this overload does, and what its
        // RequiresUnreferencedCode and RequiresDynamicCode tell its callers.
        AddOptionsCore<TOptions, TValidator>(builder, sectionPath, ConfigurationBinder.Bind, emulateReflectionBinder: false);
        foreach (var nested in Configuration.OptionsShape.DiscoverNested(typeof(TOptions)))
        {
            AddNested(builder.Services, nested);
        }

        return builder;
    }

    /// <summary>
    /// Declares a type of options nested in registered options (the type of a property, or the element type of a list,
    /// array or dictionary, at any depth), so that configuration keys under it are checked at start-up like the others
    /// (a typo fails the start, naming the key and the nearest valid name). Options registered with the bind-delegate
    /// overload of <see cref="AddDataGuardOptions{TOptions, TValidator}(IDataGuardBuilder, string, Action{IConfiguration, TOptions})"/>
    /// find their nested types only this way: the check never reads the properties of a property's type by
    /// reflection, which a trimmed or native AOT app does not keep. Idempotent.
    /// </summary>
    /// <typeparam name="TNested">The nested options type.</typeparam>
    /// <param name="builder">The DataGuard builder.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddNestedDataGuardOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TNested>(this IDataGuardBuilder builder)
        where TNested : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddNested(builder.Services, new Configuration.OptionsShape(typeof(TNested)));
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
    public static IDataGuardBuilder AddDoctorCheck<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCheck>(this IDataGuardBuilder builder)
        where TCheck : class, IDoctorCheck
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDoctorCheck, TCheck>());
        return builder;
    }

    private const string ReflectionBindingMessage =
        "Binds the options by reflection (ConfigurationBinder.Bind) and finds the types nested in them by reflection. Use the overload that takes a bind delegate, (section, options) => section.Bind(options) with the configuration binding source generator, and AddNestedDataGuardOptions.";

    // emulateReflectionBinder: whether empty and null values are handled as the reflection binder handled them
    // (Configuration.ReflectionBinderBehaviour), for a bind that is not the reflection binder itself.
    private static IDataGuardBuilder AddOptionsCore<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        IDataGuardBuilder builder, string sectionPath, Action<IConfiguration, TOptions> bind, bool emulateReflectionBinder)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationType == typeof(TValidator)))
        {
            return builder;
        }

        var shape = new Configuration.OptionsShape(typeof(TOptions));
        services.AddOptionsWithValidateOnStart<TOptions, TValidator>();
        services.AddSingleton<IConfigureOptions<TOptions>>(sp => new ConfigureFromOptionalConfiguration<TOptions>(
            sp.GetService<IConfiguration>(), sectionPath, bind, emulateReflectionBinder ? (shape, sp.GetServices<Configuration.OptionsShape>()) : null));
        services.AddSingleton(new Configuration.OptionsSection(sectionPath, shape));
        return builder;
    }

    private static void AddNested(IServiceCollection services, Configuration.OptionsShape shape)
    {
        if (!services.Any(d => d.ImplementationInstance is Configuration.OptionsShape s && s.Type == shape.Type))
        {
            services.AddSingleton(shape);
        }
    }

    private sealed class ConfigureFromOptionalConfiguration<TOptions>(
        IConfiguration? configuration,
        string sectionPath,
        Action<IConfiguration, TOptions> bind,
        (Configuration.OptionsShape Shape, IEnumerable<Configuration.OptionsShape> Nested)? emulateReflectionBinder) : IConfigureOptions<TOptions>
        where TOptions : class
    {
        public void Configure(TOptions options)
        {
            if (configuration is null)
            {
                return;
            }

            var section = configuration.GetSection(sectionPath);
            if (emulateReflectionBinder is not var (shape, nested))
            {
                bind(section, options);
                return;
            }

            var shapes = new Dictionary<Type, Configuration.OptionsShape>();
            foreach (var each in nested)
            {
                shapes.TryAdd(each.Type, each);
            }

            Configuration.ReflectionBinderBehaviour.ThrowOnEmptyValues(section, shape, shapes);
            bind(section, options);
            Configuration.ReflectionBinderBehaviour.ApplyNullValues(section, options, shape, shapes);
        }
    }
}
