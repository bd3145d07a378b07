using System.Globalization;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>Finds processes by their command line (from /proc), to time faults on what a DataGuard process started.</summary>
internal static class ChaosProcesses
{
    /// <summary>Whether a child of <paramref name="parent"/> runs a program whose command line contains every part given.</summary>
    public static bool HasChild(int parent, params string[] parts) => Find(parts).Any(p => ParentOf(p) == parent);

    /// <summary>The ids of the dotnet processes (not the shells that started them) whose command line contains every part given.</summary>
    public static IEnumerable<int> FindDotnet(params string[] parts) =>
        Find(parts).Where(pid =>
        {
            try
            {
                return Path.GetFileName(File.ReadAllText($"/proc/{pid}/cmdline").Split('\0')[0]) == "dotnet";
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>The ids of the processes whose command line contains every part given.</summary>
    public static IEnumerable<int> Find(params string[] parts)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (parts.All(p => commandLine.Contains(p, StringComparison.Ordinal)))
            {
                yield return pid;
            }
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its closing parenthesis.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
