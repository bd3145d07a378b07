using System.CommandLine;

namespace DataGuard.Cli;

/// <summary>Options every command takes.</summary>
internal static class GlobalOptions
{
    public const string DefaultConfigFile = "dataguard.json";

    public static Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = $"Configuration file (JSON, the same 'DataGuard' tree as appsettings.json). Default: {DefaultConfigFile} in the working directory, if present. Environment variables such as DataGuard__Storage__S3__Bucket override it.",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Write machine-readable JSON to standard output.",
        Recursive = true,
    };

    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Write log lines from Information up (DataGuard's and the libraries') to standard error. Without it, only DataGuard's warnings and errors are logged. Secrets are never written.",
        Recursive = true,
    };
}
