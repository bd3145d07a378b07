using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.DependencyInjection;

/// <summary>The default <see cref="IDataGuardBuilder"/>.</summary>
internal sealed class DataGuardBuilder(IServiceCollection services) : IDataGuardBuilder
{
    public IServiceCollection Services { get; } = services;
}
