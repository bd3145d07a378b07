namespace DataGuard.Cli;

/// <summary>The command line or configuration file cannot be used; exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
