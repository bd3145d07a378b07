using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>
/// Builds options with their configuration applied but without running their validators: for a part that needs one
/// setting of an options tree whose other parts it does not use (and must not fail on).
/// </summary>
public static class UnvalidatedOptions
{
    /// <summary>Creates the options as configured, unvalidated.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="services">The service provider.</param>
    /// <returns>The options.</returns>
    public static TOptions Create<TOptions>(IServiceProvider services)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        return new OptionsFactory<TOptions>(services.GetServices<IConfigureOptions<TOptions>>(), services.GetServices<IPostConfigureOptions<TOptions>>())
            .Create(Microsoft.Extensions.Options.Options.DefaultName);
    }
}
