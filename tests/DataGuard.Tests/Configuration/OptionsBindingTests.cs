using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DataGuard.Export;
using DataGuard.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace DataGuard.Tests.Configuration;

/// <summary>
/// The engine's options are bound by code the configuration binding generator writes at compile time (no reflection:
/// trim- and native AOT-safe). It must bind exactly as the reflection binder did: on configurations this test generates
/// from the options types themselves (every property present or absent, keys in any case, empty values, lists,
/// dictionaries, nested options, a value that does not convert), both bindings are compared. An empty value of a
/// number, boolean or time span fails as it did (EmptyConfigurationValues).
/// </summary>
public class OptionsBindingTests
{
    private static readonly JsonSerializerOptions Json = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver(), WriteIndented = true };

    [Fact]
    public void Generated_configurations_bind_as_with_the_reflection_binder()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (path, type) in EngineOptions.Sections)
            {
                if (random.Next(4) != 0)
                {
                    OptionsBindingGenerator.Fill(random, path, type, settings, depth: 0);
                }
            }

            var invalid = random.Next(5) == 0 ? OptionsBindingGenerator.Invalidate(random, settings) : null;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            using var services = EngineOptions.Services(configuration);
            foreach (var (path, type) in EngineOptions.Sections)
            {
                var (reflected, reflectionError) = OptionsBindingGenerator.Try(() =>
                {
                    var options = Activator.CreateInstance(type)!;
                    configuration.GetSection(path).Bind(options);
                    return options;
                });
                var (generated, generatedError) = OptionsBindingGenerator.Try(() => EngineOptions.Bound(services, type));
                var context = $"seed {seed}, {type.Name}{(invalid is null ? string.Empty : $", invalid {invalid}")}";
                Assert.True(reflectionError?.GetType() == generatedError?.GetType(), $"{context}: {reflectionError} != {generatedError}");
                if (reflectionError?.Message != generatedError?.Message)
                {
                    // One difference, when a section has both a value that does not convert and an empty one: the
                    // reflection binder named whichever came first; the empty value is checked before binding, so it is
                    // named first. Either way the start fails naming a key that is wrong.
                    Assert.True(invalid is not null && generatedError!.Message.StartsWith("Failed to convert configuration value '' at ", StringComparison.Ordinal), $"{context}: {reflectionError?.Message} != {generatedError?.Message}");
                    Assert.StartsWith("Failed to convert configuration value 'not-a-value' at ", reflectionError!.Message, StringComparison.Ordinal);
                    continue;
                }

                if (reflected is not null)
                {
                    var reflectedJson = JsonSerializer.Serialize(reflected, type, Json);
                    var generatedJson = JsonSerializer.Serialize(generated, type, Json);
                    Assert.True(reflectedJson == generatedJson, $"{context}: {string.Join(", ", settings.Where(s => s.Key.StartsWith(path, StringComparison.OrdinalIgnoreCase)).Select(s => $"{s.Key}={s.Value ?? "(null)"}"))}\n{reflectedJson}\n!=\n{generatedJson}");
                }

                if (reflected is PdfExportOptions pdf)
                {
                    Assert.Same(pdf.Tables.Comparer, ((PdfExportOptions)generated!).Tables.Comparer);
                }
            }
        }
    }

    [Fact]
    public void The_generated_binder_binds_the_engines_options_at_all()
    {
        // Guards the comparison above against comparing two unbound defaults.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:TimeZone"] = "Europe/Paris",
            ["DataGuard:Storage:FileSystem:Root"] = "/srv/backups",
            ["DataGuard:Backup:Compression:Level"] = "9",
            ["DataGuard:Backup:Encryption:Keys:k1"] = "secret",
            ["DataGuard:Backup:Retry:InitialDelay"] = "00:00:05",
            ["DataGuard:Pitr:WindowDays"] = "3",
            ["DataGuard:Export:Pdf:FontPaths:0"] = "/fonts",
            ["DataGuard:Export:Pdf:Tables:PUBLIC.USERS:Columns:email"] = "E-mail",
        }).Build();
        using var services = EngineOptions.Services(configuration);
        Assert.Equal("Europe/Paris", ((DataGuard.Configuration.DataGuardOptions)EngineOptions.Bound(services, typeof(DataGuard.Configuration.DataGuardOptions))).TimeZone);
        Assert.Equal("/srv/backups", ((DataGuard.Storage.StorageOptions)EngineOptions.Bound(services, typeof(DataGuard.Storage.StorageOptions))).FileSystem.Root);
        var backup = (DataGuard.Backup.BackupOptions)EngineOptions.Bound(services, typeof(DataGuard.Backup.BackupOptions));
        Assert.Equal(9, backup.Compression.Level);
        Assert.Equal("secret", backup.Encryption.Keys["k1"]);
        Assert.Equal(TimeSpan.FromSeconds(5), backup.Retry.InitialDelay);
        Assert.Equal(3, ((DataGuard.Pitr.PitrOptions)EngineOptions.Bound(services, typeof(DataGuard.Pitr.PitrOptions))).WindowDays);
        var pdf = (PdfExportOptions)EngineOptions.Bound(services, typeof(PdfExportOptions));
        Assert.Equal(["/fonts"], pdf.FontPaths);
        Assert.Equal("E-mail", pdf.Tables["public.users"].Columns["email"]);
    }
}
