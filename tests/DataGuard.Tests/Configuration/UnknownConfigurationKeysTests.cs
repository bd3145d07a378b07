using System.Reflection;
using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Configuration;

/// <summary>
/// Unknown configuration keys are found through the options types registered and declared at compile time
/// (OptionsShape), never by reflecting over a property's type: the findings must be those of the reflection walk
/// (<see cref="LegacyUnknownConfigurationKeys"/>) on configurations this test generates, with typos at every depth.
/// </summary>
public class UnknownConfigurationKeysTests
{
    [Fact]
    public void Every_options_type_nested_in_the_engines_options_is_declared()
    {
        using var services = EngineOptions.Services(new ConfigurationBuilder().Build());
        var declared = services.GetServices<OptionsShape>().Select(s => s.Type).ToHashSet();
        foreach (var section in services.GetServices<OptionsSection>())
        {
            foreach (var nested in EngineOptions.Nested(section.OptionsType))
            {
                Assert.True(declared.Contains(nested), $"{nested.Name} (in {section.OptionsType.Name}) is not declared with AddNestedDataGuardOptions: keys under it would not be checked.");
            }
        }
    }

    [Fact]
    public void Generated_configurations_give_the_findings_of_the_reflection_walk()
    {
        for (var seed = 0; seed < 500; seed++)
        {
            var random = new Random(seed);
            var keys = new List<string>();
            foreach (var (path, type) in EngineOptions.Sections)
            {
                Keys(random, path, type, keys, depth: 0);
            }

            for (var i = random.Next(0, 4); i > 0 && keys.Count > 0; i--)
            {
                var at = random.Next(keys.Count);
                keys[at] = Mistake(random, keys[at]);
            }

            string[] extra = ["DataGuard:Backup:TimeZone", "DataGuard:Postgres:ConnectionString", "DataGuard:Storage:S3:Bucket", "DataGuard:Retension:Schedule", "DataGuard:Export:Subject:Table", "DataGuard:Backup:Schedule:Daily", "DataGuard:Unknown"];
            if (random.Next(3) == 0)
            {
                keys.Add(extra[random.Next(extra.Length)]);
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys.Distinct(StringComparer.OrdinalIgnoreCase).Select(k => KeyValuePair.Create(k, (string?)"1"))).Build();
            using var services = EngineOptions.Services(configuration, withExport: seed % 2 == 0);
            var sections = services.GetServices<OptionsSection>().ToList();
            var found = UnknownConfigurationKeys.Find(configuration, sections, services.GetServices<OptionsShape>());
            var before = LegacyUnknownConfigurationKeys.Find(configuration, sections.Select(s => (s.Path, s.OptionsType)));
            Assert.True(before.SequenceEqual(found), $"seed {seed}: [{string.Join(" | ", before)}] != [{string.Join(" | ", found)}]");
        }
    }

    [Theory]
    [InlineData("DataGuard:Backup:Schedulee", "DataGuard:Backup:Schedulee is not a DataGuard option; did you mean Schedule?")]
    [InlineData("DataGuard:Backup:Compresion:Level", "DataGuard:Backup:Compresion is not a DataGuard option; did you mean Compression?")]
    [InlineData("DataGuard:Backup:Compression:Levle", "DataGuard:Backup:Compression:Levle is not a DataGuard option; did you mean Level?")]
    [InlineData("DataGuard:Backup:Retention:KeepDayly", "DataGuard:Backup:Retention:KeepDayly is not a DataGuard option; did you mean KeepDaily?")]
    [InlineData("DataGuard:Storage:FileSystem:Rot", "DataGuard:Storage:FileSystem:Rot is not a DataGuard option; did you mean Root?")]
    [InlineData("DataGuard:Export:Pdf:Tables:public.users:Purpos", "DataGuard:Export:Pdf:Tables:public.users:Purpos is not a DataGuard option; did you mean Purpose?")]
    [InlineData("DataGuard:Backup:TimeZone", "DataGuard:Backup:TimeZone moved to DataGuard:TimeZone")]
    [InlineData("DataGuard:Backup:Schedule:Daily", "DataGuard:Backup:Schedule is a single value, not a section")]
    [InlineData("DataGuard:Export:Pdf:Tables:public.users:Columns:email:x", "DataGuard:Export:Pdf:Tables:public.users:Columns:email is a single value, not a section")]
    [InlineData("DataGuard:Postgres:ConnectionString", "DataGuard:Postgres is configured but its feature is not added; call AddPostgres()")]
    public void An_unknown_key_fails_the_start_naming_its_path_and_the_nearest_valid_name(string key, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)"1")]).Build();
        using var services = EngineOptions.Services(configuration, withExport: !key.StartsWith("DataGuard:Postgres", StringComparison.Ordinal));
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DataGuardOptions>>().Value);
        Assert.Contains(error.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Nested_options_of_the_reflection_overload_are_found_by_reflection_and_of_the_bind_overload_when_declared_and_an_undeclared_one_fails_the_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:Reflected:Inner:Levle"] = "1",
            ["DataGuard:Generated:Inner:Levle"] = "1",
            ["DataGuard:Declared:Inner:Levle"] = "1",
            ["DataGuard:Declared:Items:0:Nme"] = "1",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
#pragma warning disable IL2026, IL3050 // The reflection overload, on purpose (tests are not trimmed).
        collection.AddDataGuard().AddDataGuardOptions<ReflectedOptions, AnyOptionsValidator<ReflectedOptions>>("DataGuard:Reflected");
#pragma warning restore IL2026, IL3050
        collection.AddDataGuard().AddDataGuardOptions<GeneratedOptions, AnyOptionsValidator<GeneratedOptions>>("DataGuard:Generated", static (section, options) => section.Bind(options));
        collection.AddDataGuard()
            .AddDataGuardOptions<DeclaredOptions, AnyOptionsValidator<DeclaredOptions>>("DataGuard:Declared", static (section, options) => section.Bind(options))
            .AddNestedDataGuardOptions<InnerOptions>()
            .AddNestedDataGuardOptions<InnerOptions>()
            .AddNestedDataGuardOptions<ItemOptions>();
        using var services = collection.BuildServiceProvider();
        Assert.Single(services.GetServices<OptionsShape>(), s => s.Type == typeof(InnerOptions));
        var failures = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DataGuardOptions>>().Value).Failures.ToList();
        Assert.Contains("DataGuard:Reflected:Inner:Levle is not a DataGuard option; did you mean Level?.", failures);
        Assert.Contains("DataGuard:Declared:Inner:Levle is not a DataGuard option; did you mean Level?.", failures);
        Assert.Contains("DataGuard:Declared:Items:0:Nme is not a DataGuard option; did you mean Name?.", failures);
        // Undeclared: its keys cannot be checked, and the start fails saying what to declare (not a silent pass).
        Assert.Contains($"DataGuard:Generated:Inner cannot be checked for unknown keys: its options type {typeof(UndeclaredInnerOptions).FullName} is not declared; call AddNestedDataGuardOptions<UndeclaredInnerOptions>() on the DataGuard builder where its section is added.", failures);
        Assert.Equal(4, failures.Count);
    }

    private static void Keys(Random random, string path, Type type, List<string> keys, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (random.Next(3) == 0 || depth > 4)
            {
                continue;
            }

            var key = $"{path}:{(random.Next(3) == 0 ? property.Name.ToLowerInvariant() : property.Name)}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (EngineOptions.IsLeaf(propertyType))
            {
                keys.Add(key);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericArguments() is [_, var element])
            {
                Item(random, $"{key}:{(random.Next(2) == 0 ? "public.orders" : "k")}", element, keys, depth);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericArguments() is [var item])
            {
                Item(random, $"{key}:{random.Next(0, 3)}", item, keys, depth);
            }
            else
            {
                Keys(random, key, propertyType, keys, depth + 1);
            }
        }
    }

    private static void Item(Random random, string path, Type type, List<string> keys, int depth)
    {
        if (EngineOptions.IsLeaf(Nullable.GetUnderlyingType(type) ?? type))
        {
            keys.Add(path);
        }
        else
        {
            Keys(random, path, type, keys, depth + 1);
        }
    }

    /// <summary>A typo in one segment of <paramref name="key"/> (not the first), or a section under it.</summary>
    private static string Mistake(Random random, string key)
    {
        var segments = key.Split(':');
        var at = random.Next(1, segments.Length);
        var segment = segments[at];
        segments[at] = random.Next(4) switch
        {
            0 when segment.Length > 1 => segment.Remove(random.Next(segment.Length), 1),
            1 => segment + "x",
            2 when segment.Length > 2 => string.Concat(segment.AsSpan(0, 1), segment.AsSpan(2, 1), segment.AsSpan(1, 1), segment.AsSpan(3)),
            _ => segment,
        };
        var result = string.Join(':', segments);
        return random.Next(5) == 0 ? $"{result}:Sub" : result;
    }

    public sealed class ReflectedOptions
    {
        public ReflectedInnerOptions Inner { get; set; } = new();
    }

    public sealed class GeneratedOptions
    {
        public UndeclaredInnerOptions Inner { get; set; } = new();
    }

    public sealed class DeclaredOptions
    {
        public InnerOptions Inner { get; set; } = new();

        public List<ItemOptions> Items { get; set; } = [];
    }

    public sealed class InnerOptions
    {
        public int Level { get; set; }
    }

    public sealed class ReflectedInnerOptions
    {
        public int Level { get; set; }
    }

    public sealed class UndeclaredInnerOptions
    {
        public int Level { get; set; }
    }

    public sealed class ItemOptions
    {
        public string? Name { get; set; }
    }

    private sealed class AnyOptionsValidator<TOptions> : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options) => ValidateOptionsResult.Success;
    }
}
