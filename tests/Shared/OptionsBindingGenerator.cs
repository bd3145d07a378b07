using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Shared;

/// <summary>
/// Generated configurations for options types (seeded, from the types' own properties: present or absent, keys in any
/// case, empty and null values, lists, dictionaries, nested options), and options as registered services configure them:
/// the binding-parity tests of the engine and of the packages compare the generated binder with the reflection binder on them.
/// </summary>
internal static class OptionsBindingGenerator
{
    /// <summary>Whether <paramref name="type"/> is bound from a single value.</summary>
    public static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);

    /// <summary>Options of <paramref name="type"/> configured as the registered services configure them (bound, not post-configured nor validated).</summary>
    public static object Bound(IServiceProvider services, Type type) =>
        typeof(OptionsBindingGenerator).GetMethods(BindingFlags.Public | BindingFlags.Static).Single(m => m.Name == nameof(Bound) && m.IsGenericMethodDefinition).MakeGenericMethod(type).Invoke(null, [services])!;

    /// <summary>Runs a binding; its value, or the exception it threw (unwrapped from reflection's invocation).</summary>
    public static (object? Value, Exception? Error) Try(Func<object> bind)
    {
        try
        {
            return (bind(), null);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            return (null, ex.InnerException);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }

    /// <summary>Adds settings under <paramref name="path"/> for a random subset of <paramref name="type"/>'s properties.</summary>
    public static void Fill(Random random, string path, Type type, Dictionary<string, string?> settings, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (random.Next(3) == 0)
            {
                continue;
            }

            var name = random.Next(4) switch
            {
                0 => property.Name.ToLowerInvariant(),
                1 => property.Name.ToUpperInvariant(),
                _ => property.Name,
            };
            Value(random, $"{path}:{name}", property.PropertyType, settings, depth + 1);
        }
    }

    /// <summary>Makes one numeric, boolean, time span or (where <paramref name="isEnumName"/> says so) enum value one that does not convert.</summary>
    /// <returns>The key changed, or <see langword="null"/> when there was none to change.</returns>
    public static string? Invalidate(Random random, Dictionary<string, string?> settings, Func<string, bool>? isEnumName = null)
    {
        var candidates = settings
            .Where(s => s.Value is { Length: > 0 } v && (char.IsDigit(v[0]) || v[0] == '-' || bool.TryParse(v, out _) || (isEnumName?.Invoke(v) ?? false)))
            .Select(s => s.Key)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var key = candidates[random.Next(candidates.Count)];
        settings[key] = "not-a-value";
        return key;
    }

    private static void Value(Random random, string path, Type type, Dictionary<string, string?> settings, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            settings[path] = Leaf(random, type);
            return;
        }

        if (depth > 5)
        {
            return;
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var keyType, var element] && keyType == typeof(string))
        {
            string[] keys = ["a", "B", "public.orders", "PUBLIC.ORDERS", "x y", "é"];
            for (var i = random.Next(0, 4); i > 0; i--)
            {
                Value(random, $"{path}:{keys[random.Next(keys.Length)]}", element, settings, depth + 1);
            }

            return;
        }

        if (type.IsArray || (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [_]))
        {
            var item = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            var count = random.Next(0, 4);
            for (var i = 0; i < count; i++)
            {
                Value(random, $"{path}:{i}", item, settings, depth + 1);
            }

            return;
        }

        Fill(random, path, type, settings, depth);
    }

    private static string? Leaf(Random random, Type type)
    {
        if (random.Next(12) == 0)
        {
            return random.Next(2) == 0 ? string.Empty : null;
        }

        if (type == typeof(string))
        {
            string[] texts = ["0 3 * * *", "/tmp/x", "zstd", "public.users", "public.users.email", "none", "UTC", "Europe/Paris", "de-DE", "k1", "  spaced  ", "é <&> \"q\"", "0600"];
            return texts[random.Next(texts.Length)];
        }

        if (type == typeof(bool))
        {
            string[] values = ["true", "false", "True", "FALSE"];
            return values[random.Next(values.Length)];
        }

        if (type == typeof(TimeSpan))
        {
            string[] values = ["00:00:05", "1.00:00:00", "00:15:00", "-00:01:00", "2:3:4", "365.00:00:00"];
            return values[random.Next(values.Length)];
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte))
        {
            return random.Next(-5, 100_000).ToString(CultureInfo.InvariantCulture);
        }

        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float))
        {
            return (random.NextDouble() * 1000).ToString("R", CultureInfo.InvariantCulture);
        }

        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            return random.Next(3) == 0 ? names[random.Next(names.Length)].ToLowerInvariant() : names[random.Next(names.Length)];
        }

        return null;
    }

    /// <summary>Options configured as the registered services configure them (bound, not post-configured nor validated).</summary>
    public static TOptions Bound<TOptions>(IServiceProvider services)
        where TOptions : class, new()
    {
        var options = new TOptions();
        foreach (var configure in services.GetServices<IConfigureOptions<TOptions>>())
        {
            configure.Configure(options);
        }

        return options;
    }
}
