namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// A tools folder (<c>DataGuard:Postgres:ToolsDirectory</c>) whose pg tools leave a mark when they start, then become
/// the real tool (<c>exec</c>: same process, same arguments, same pipes). A fault point polled on a process that may live
/// for a few milliseconds (pg_restore --list reads a table of contents and exits) can be missed between two polls; a
/// file that says the process started cannot.
/// </summary>
internal sealed class ChaosTools
{
    private ChaosTools(string directory) => Directory = directory;

    /// <summary>Gets the folder to configure as <c>Postgres:ToolsDirectory</c>.</summary>
    public string Directory { get; }

    /// <summary>Creates the folder with marking copies of <paramref name="tools"/> that exec the real ones in <paramref name="pgBin"/>.</summary>
    public static ChaosTools Create(string directory, string pgBin, params string[] tools)
    {
        System.IO.Directory.CreateDirectory(directory);
        foreach (var tool in tools)
        {
            var path = Path.Combine(directory, tool);
            var real = Path.Combine(pgBin, tool);

            // One mark per start: "<tool>.<pid>.started" holding the arguments, written before the real tool runs.
            File.WriteAllText(path, $"#!/bin/sh\nprintf '%s\\n' \"$*\" > \"{directory}/{tool}.$$.started\"\nexec \"{real}\" \"$@\"\n");
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }

        return new ChaosTools(directory);
    }

    /// <summary>Whether <paramref name="tool"/> was started with an argument list containing <paramref name="argument"/> (started since, even if it has ended).</summary>
    public bool Started(string tool, string argument) =>
        System.IO.Directory.EnumerateFiles(Directory, $"{tool}.*.started").Any(mark =>
        {
            try
            {
                return $" {File.ReadAllText(mark).Trim()} ".Contains($" {argument} ", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

}
