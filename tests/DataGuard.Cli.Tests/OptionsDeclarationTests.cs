using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Tests;

/// <summary>
/// Options are bound by generated code and checked for unknown keys through the types declared at compile time (the
/// native CLI keeps no properties the trimmer cannot see): every options type nested in a section the CLI registers
/// (found here by reflection, which the product no longer does) must be declared, or a typo under it would pass silently.
/// </summary>
public sealed class OptionsDeclarationTests
{
    [Fact]
    public void Every_options_type_nested_in_the_CLIs_sections_is_declared()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddDataGuard().AddPostgres().AddS3Storage().AddSupabase();
        using var provider = services.BuildServiceProvider();
        var declared = provider.GetServices<OptionsShape>().Select(s => s.Type).ToHashSet();
        var sections = provider.GetServices<OptionsSection>().ToList();
        Assert.Contains(sections, s => s.OptionsType == typeof(DataGuard.Postgres.PostgresOptions));
        Assert.Contains(sections, s => s.OptionsType == typeof(DataGuard.S3.S3StorageOptions));
        var missing = sections
            .SelectMany(section => OptionsShape.DiscoverNested(section.OptionsType).Select(nested => (Section: section.OptionsType, Nested: nested.Type)))
            .Where(pair => !declared.Contains(pair.Nested))
            .Select(pair => $"{pair.Nested.FullName} (in {pair.Section.Name})")
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, "Not declared with AddNestedDataGuardOptions: " + string.Join(", ", missing));
    }
}
