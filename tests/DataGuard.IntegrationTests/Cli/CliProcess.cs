using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Cli;

/// <summary>The built dataguard CLI, run as a process of its own (its own environment, as an operator's shell would start it).</summary>
public static class CliProcess
{
    public static string Dll => Path.Combine(PostgresCli.BuildDirectory, "DataGuard.Cli.dll");

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync("dotnet", [Dll, .. arguments], environment, TimeSpan.FromMinutes(3));
}
