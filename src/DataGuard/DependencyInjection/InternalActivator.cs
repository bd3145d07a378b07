using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace DataGuard.DependencyInjection;

/// <summary>
/// Builds a service whose constructor is internal (its dependencies are DataGuard's plumbing, not public API) from the
/// container, as the container would build one with a public constructor: every parameter resolved, optional ones
/// left at their default when not registered.
/// </summary>
internal static class InternalActivator
{
    public static T Create<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.NonPublicConstructors)] T>(IServiceProvider services)
    {
        var constructor = typeof(T).GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Single();
        var arguments = constructor.GetParameters().Select(p =>
            services.GetService(p.ParameterType)
            ?? (p.HasDefaultValue ? p.DefaultValue : throw new InvalidOperationException($"{typeof(T).Name} needs a {p.ParameterType.Name}, which is not registered."))).ToArray();
        return (T)constructor.Invoke(arguments);
    }
}
