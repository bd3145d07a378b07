namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// The path of the built `dataguard` CLI (DataGuard.Cli.dll) for commands that the PostgreSQL server runs as the
/// `postgres` user (archive_command, restore_command). A checkout in a private directory (mode 0700, as
/// <c>mktemp -d</c> makes it) cannot be entered by that user, so the CLI's output folder is then copied once per
/// test process to a world-readable temporary folder, removed when the process exits.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class PostgresCli
{
    private static readonly Lazy<string> DllValue = new(Resolve);

    /// <summary>Gets the CLI's output folder in the checkout (release or debug, as the tests were built).</summary>
    public static string BuildDirectory => Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "DataGuard.Cli",
        AppContext.BaseDirectory.Contains("/release/", StringComparison.Ordinal) ? "release" : "debug");

    /// <summary>Gets a DataGuard.Cli.dll path every user can read and run.</summary>
    public static string Dll => DllValue.Value;

    private static string Resolve()
    {
        var built = Path.Combine(BuildDirectory, "DataGuard.Cli.dll");
        if (EveryoneCanReach(BuildDirectory))
        {
            return built;
        }

        var copy = Path.Combine(Path.GetTempPath(), $"dataguard-cli-{Environment.ProcessId}");
        CopyReadable(new DirectoryInfo(BuildDirectory), copy);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(copy, recursive: true);
            }
            catch (IOException)
            {
                // A server still running from a crashed test may hold a file open; the folder is in /tmp.
            }
        };
        return Path.Combine(copy, "DataGuard.Cli.dll");
    }

    private static bool EveryoneCanReach(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if ((File.GetUnixFileMode(dir.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void CopyReadable(DirectoryInfo source, string target)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        foreach (var file in source.EnumerateFiles())
        {
            var copied = Path.Combine(target, file.Name);
            file.CopyTo(copied, overwrite: true);
            File.SetUnixFileMode(copied, (UnixFileMode)0b110_100_100);
        }

        foreach (var child in source.EnumerateDirectories())
        {
            CopyReadable(child, Path.Combine(target, child.Name));
        }
    }
}
