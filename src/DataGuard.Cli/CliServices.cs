using DataGuard.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli;

/// <summary>Builds DataGuard's services for one CLI run from the configuration file and the environment.</summary>
internal static class CliServices
{
    /// <summary>
    /// Builds the services. Unless <paramref name="validate"/> is false (doctor, which reports every problem itself),
    /// the configuration is checked first: a key under <c>DataGuard</c> that no option reads (a typo) or an invalid
    /// <c>DataGuard:TimeZone</c> fails every command, naming the key and the nearest valid name.
    /// </summary>
    public static ServiceProvider Build(string? configFile, bool validate = true)
    {
        var configuration = LoadConfiguration(configFile);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        CliLogging.Add(services, configuration);
        var dataGuard = services.AddDataGuard()
            .AddPostgres()
            .AddS3Storage();
        if (UsesSupabase(configuration))
        {
            dataGuard.AddSupabase();
        }

        services.Configure<DataGuard.Storage.StorageOptions>(options =>
        {
            // The CLI knows every provider; without an explicit choice, a configured bucket means S3.
            if (string.IsNullOrWhiteSpace(options.Provider))
            {
                options.Provider = string.IsNullOrWhiteSpace(configuration["DataGuard:Storage:S3:Bucket"]) ? "FileSystem" : "S3";
            }
        });
        var provider = services.BuildServiceProvider();
        if (validate)
        {
            try
            {
                _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataGuard.Configuration.DataGuardOptions>>().Value;
            }
            catch
            {
                provider.Dispose();
                throw;
            }
        }

        return provider;
    }

    /// <summary>Supabase is on when the configuration has a <c>DataGuard:Supabase</c> section or names the Supabase dump preset.</summary>
    internal static bool UsesSupabase(IConfiguration configuration) =>
        configuration.GetSection("DataGuard:Supabase").Exists()
        || string.Equals(configuration["DataGuard:Postgres:Dump:Preset"], "Supabase", StringComparison.OrdinalIgnoreCase);

    private static IConfigurationRoot LoadConfiguration(string? configFile)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"Configuration file '{path}' does not exist.");
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.GetFullPath(GlobalOptions.DefaultConfigFile), optional: true, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw new CliUsageException($"Configuration file is not valid JSON: {ex.Message}");
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"Configuration file is not valid JSON: {ex.Message}");
        }
    }
}
