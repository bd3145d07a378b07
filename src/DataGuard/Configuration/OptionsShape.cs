using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace DataGuard.Configuration;

/// <summary>
/// The public properties of a type of options, read where the type is known at compile time (a generic argument or a
/// <c>typeof</c>), so that the trimmer keeps them: <see cref="UnknownConfigurationKeys"/> checks configuration keys
/// against these and never reflects over a property's type, whose properties a trimmed or native AOT app does not keep
/// (not even when the configuration binding generator binds them: a native AOT app keeps their accessors, not their
/// metadata).
/// </summary>
internal sealed class OptionsShape
{
    /// <summary>Reads the public instance properties of <paramref name="type"/>.</summary>
    /// <param name="type">The type of options.</param>
    public OptionsShape([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        Type = type;
        Properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
    }

    /// <summary>Gets the type.</summary>
    public Type Type { get; }

    /// <summary>Gets its public instance properties.</summary>
    public IReadOnlyList<PropertyInfo> Properties { get; }

    /// <summary>Gets the property named <paramref name="key"/>, compared as the configuration binder compares keys (ignoring case).</summary>
    /// <param name="key">A configuration key.</param>
    /// <returns>The property, or <see langword="null"/>.</returns>
    public PropertyInfo? Find(string key) => Properties.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The shapes of every type of options nested in <paramref name="type"/> (a property's type, or a list's, array's or
    /// dictionary's element type, at any depth), found by reflection: for options registered without the trim-safe
    /// overload of <c>AddDataGuardOptions</c>, which binds by reflection as well.
    /// </summary>
    /// <param name="type">The type of options.</param>
    /// <returns>The shapes, <paramref name="type"/>'s own not included.</returns>
    [RequiresUnreferencedCode("Reads the properties of the types of properties, which the trimmer does not keep. Declare nested types with AddNestedDataGuardOptions instead.")]
    public static IEnumerable<OptionsShape> DiscoverNested(Type type)
    {
        var seen = new HashSet<Type> { type };
        var pending = new Queue<Type>([type]);
        var found = new List<OptionsShape>();
        while (pending.TryDequeue(out var current))
        {
            foreach (var property in current.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var nested = Complex(property.PropertyType);
                if (nested is not null && seen.Add(nested))
                {
                    found.Add(new OptionsShape(nested));
                    pending.Enqueue(nested);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The type whose properties a value of <paramref name="type"/> is bound to, as <see cref="UnknownConfigurationKeys"/>
    /// walks it: itself, or a collection's element type (nested collections too); <see langword="null"/> for a single value.
    /// </summary>
    internal static Type? Complex(Type type)
    {
        while (true)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (UnknownConfigurationKeys.IsLeaf(type))
            {
                return null;
            }

            if (UnknownConfigurationKeys.Element(type) is not { } element)
            {
                return type;
            }

            type = element;
        }
    }
}
