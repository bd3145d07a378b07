using System.Collections;
using System.Reflection;
using DataGuard.Backup;
using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using DataGuard.Export;
using DataGuard.Pitr;
using DataGuard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Configuration;

/// <summary>The engine's options sections, and what tests need to bind and walk them (by reflection: tests only).</summary>
internal static class EngineOptions
{
    /// <summary>Gets each section AddDataGuard registers, with its options type.</summary>
    public static IReadOnlyList<(string Path, Type Type)> Sections { get; } =
    [
        (DataGuardOptions.SectionName, typeof(DataGuardOptions)),
        (StorageOptions.SectionPath, typeof(StorageOptions)),
        (BackupOptions.SectionPath, typeof(BackupOptions)),
        (PitrOptions.SectionPath, typeof(PitrOptions)),
        (PdfExportOptions.SectionPath, typeof(PdfExportOptions)),
    ];

    /// <summary>The services of AddDataGuard() over <paramref name="configuration"/>.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="withExport">
    /// Whether a section <c>DataGuard:Export</c> is registered (as DataGuard.Postgres's AddExport does), so that the
    /// engine's <c>DataGuard:Export:Pdf</c> is walked for unknown keys instead of reported as a feature not added.
    /// </param>
    public static ServiceProvider Services(IConfiguration configuration, bool withExport = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        var builder = services.AddDataGuard();
        if (withExport)
        {
            builder.AddDataGuardOptions<ExportStub, AnyValidator<ExportStub>>("DataGuard:Export", static (section, options) => section.Bind(options));
        }

        return services.BuildServiceProvider();
    }

    /// <summary>Options of <paramref name="type"/> configured as AddDataGuard configures them (bound, not validated).</summary>
    public static object Bound(IServiceProvider services, Type type) => Shared.OptionsBindingGenerator.Bound(services, type);

    /// <summary>Every type of options nested in <paramref name="type"/>, at any depth, found by reflection.</summary>
    public static IEnumerable<Type> Nested(Type type)
    {
        var seen = new HashSet<Type> { type };
        var pending = new Queue<Type>([type]);
        while (pending.TryDequeue(out var current))
        {
            foreach (var property in current.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (Complex(property.PropertyType) is { } nested && seen.Add(nested))
                {
                    pending.Enqueue(nested);
                    yield return nested;
                }
            }
        }
    }

    /// <summary>The type whose properties a configured value binds to (a collection's element type), or <see langword="null"/> for a single value.</summary>
    public static Type? Complex(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            return null;
        }

        if (type.IsArray)
        {
            return Complex(type.GetElementType()!);
        }

        return type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? Complex(type.GetGenericArguments()[^1]) : type;
    }

    public static bool IsLeaf(Type type) => Shared.OptionsBindingGenerator.IsLeaf(type);

    /// <summary>Stands for DataGuard.Postgres's export options, which the engine's tests do not reference.</summary>
    public sealed class ExportStub
    {
        public string? Schedule { get; set; }
    }

    private sealed class AnyValidator<TOptions> : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options) => ValidateOptionsResult.Success;
    }
}
