using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.Cli;

/// <summary>
/// Where one CLI run's log lines go and how many there are. Without <c>--verbose</c>: only DataGuard's own warnings and
/// errors (never a framework line such as the health-check service's); with it: everything from Information up. Both
/// to standard error, so standard output stays the command's result. Every line is scrubbed of the configured secrets.
/// </summary>
internal static class CliLogging
{
    private static readonly AsyncLocal<Settings?> Current = new();

    /// <summary>Sets the log destination and level for the rest of this run (the command's action flows from here).</summary>
    public static void Use(TextWriter error, bool verbose) => Current.Value = new Settings(error, verbose);

    /// <summary>Adds the CLI's logging to <paramref name="services"/>, as set by <see cref="Use"/> (default: standard error, quiet).</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var settings = Current.Value ?? new Settings(Console.Error, Verbose: false);
        var secrets = settings.AddSecrets(CliSecrets.Collect(configuration));
        services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(settings.Verbose ? LogLevel.Information : LogLevel.Warning);
            if (!settings.Verbose)
            {
                logging.AddFilter((category, level) => IsDataGuard(category) && level >= LogLevel.Warning);
            }

            logging.AddProvider(new CliLoggerProvider(settings.Error, secrets, settings.Verbose));
        });
    }

    private static bool IsDataGuard(string? category) =>
        category is not null && (category == "DataGuard" || category.StartsWith("DataGuard.", StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="text"/> with the secrets of this run's configuration (once its services were built) replaced by
    /// <c>***</c>: for the error line a failed command ends with, which does not go through the logger.
    /// </summary>
    public static string Scrub(string text) => Current.Value is { Secrets: { Count: > 0 } secrets } ? CliSecrets.Scrub(text, secrets) : text;

    /// <summary>
    /// Adds a secret that is not in the configuration (a target's password read from a file) to this run's, for log
    /// lines written by services built after it and for the run's error line.
    /// </summary>
    public static void AddSecret(string secret)
    {
        if (Current.Value is { } settings)
        {
            settings.AddSecrets([secret]);
        }
    }

    /// <summary>One run's log settings; the secrets are filled in when its services are built, and seen by the run's caller.</summary>
    private sealed record Settings(TextWriter Error, bool Verbose)
    {
        public IReadOnlyList<string> Secrets { get; private set; } = [];

        /// <summary>Adds secrets to this run's (<see cref="CliSecrets.Normalize"/>); returns them all.</summary>
        public IReadOnlyList<string> AddSecrets(IEnumerable<string> secrets)
        {
            Secrets = CliSecrets.Normalize(Secrets.Concat(secrets));
            return Secrets;
        }
    }
}
