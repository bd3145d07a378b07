using DataGuard.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.Cli;

/// <summary>Builds DataGuard's services for one CLI run from the configuration file and the environment.</summary>
internal static class CliServices
{
    public static ServiceProvider Build(string? configFile)
    {
        var configuration = LoadConfiguration(configFile);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("Npgsql", LogLevel.Error));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddDataGuard(options =>
            {
                // The CLI knows every provider; without an explicit choice, a configured bucket means S3.
                if (string.IsNullOrWhiteSpace(options.Storage.Provider))
                {
                    options.Storage.Provider = string.IsNullOrWhiteSpace(configuration["DataGuard:Storage:S3:Bucket"]) ? "FileSystem" : "S3";
                }
            })
            .AddPostgres()
            .AddS3Storage();
        return services.BuildServiceProvider();
    }

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
