using System.Diagnostics.CodeAnalysis;

namespace DataGuard.Cli;

/// <summary>How to start this very dataguard again (for restore_command and the WAL prefetcher).</summary>
internal static class CliSelf
{
    /// <summary>
    /// Gets the program and leading arguments that run this dataguard: the executable itself, or <c>dotnet</c> and the
    /// CLI's DLL when the shared runtime's host runs it (the tool package for other platforms, <c>dotnet run</c>, tests).
    /// </summary>
    /// <returns>The program, then its leading arguments.</returns>
    /// <exception cref="InvalidOperationException">The path of the running executable is unknown.</exception>
    [UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file", Justification = "Read only when the process is the dotnet host running the CLI's DLL from a file; a single-file or native dataguard is its own process and never reads it.")]
    public static IReadOnlyList<string> Invocation()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running executable is unknown.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, typeof(CliSelf).Assembly.Location] : [process];
    }
}
