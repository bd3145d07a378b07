using System.Diagnostics;

namespace DataGuard.Testing;

/// <summary>Runs a command line with <c>/bin/sh -c</c>, as PostgreSQL runs archive_command and restore_command.</summary>
public static class Shell
{
    /// <summary>Runs <paramref name="command"/> in <paramref name="directory"/> and returns its exit code and both outputs.</summary>
    /// <param name="directory">The working directory (PostgreSQL's data directory for its commands).</param>
    /// <param name="command">The command line.</param>
    /// <returns>The exit code, standard output and standard error.</returns>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string directory, string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
