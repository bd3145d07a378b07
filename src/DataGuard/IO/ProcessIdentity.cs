using System.Diagnostics;
using System.Globalization;

namespace DataGuard.IO;

/// <summary>
/// Tells whether a process that left something behind is still running: by its id AND its start time (on Linux the
/// kernel's start time in clock ticks, with the boot it belongs to), so that an id reused by another process, or the
/// same id after a reboot, is not taken for the owner. A token also names the host (a hash of its full name and machine
/// id) and the PID namespace: a process of another host or container sharing the folder cannot be checked from here,
/// and is never taken for dead.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<string?> Boot = new(ReadBoot);
    private static readonly Lazy<string> Current = new(() => TokenOf(Environment.ProcessId) ?? "unknown");
    private static readonly Lazy<string> Host = new(ReadHost);

    /// <summary>
    /// Gets the prefix of the tokens of the processes this one can check: <c>h</c> and 8 hex digits of a hash of the
    /// full host name (not .NET's name cut at the first dot) and machine id, then <c>n</c> and the inode of this
    /// process's PID namespace (a container with its own PID namespace sharing the folder has another).
    /// </summary>
    public static string HostPrefix => Host.Value;

    /// <summary>Gets this process's token (letters and digits only).</summary>
    public static string CurrentToken => Current.Value;

    /// <summary>
    /// The token of a running process of this host: <see cref="HostPrefix"/>, then on Linux
    /// <c>b&lt;boot id, 8 hex&gt;s&lt;start time in ticks&gt;</c>, elsewhere <c>t&lt;start time in Unix seconds&gt;</c>;
    /// <see langword="null"/> when no such process runs.
    /// </summary>
    /// <param name="processId">The process id.</param>
    /// <returns>Its token, or <see langword="null"/>.</returns>
    public static string? TokenOf(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            // Not found, or ESRCH from a process that exited while being read: no such process.
            return StatFields(processId) is { } fields ? $"{HostPrefix}b{Boot.Value ?? "0"}s{fields[19]}" : null;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return $"{HostPrefix}t{new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>When a process of this host started, to the second (Linux: the boot time plus its start in clock ticks).</summary>
    /// <param name="processId">The process id.</param>
    /// <returns>Its start in Unix seconds, or <see langword="null"/> when no such process runs or this is not Linux.</returns>
    public static long? StartedAt(int processId)
    {
        if (!OperatingSystem.IsLinux() || StatFields(processId) is not { } fields)
        {
            return null;
        }

        var boot = ReadOrNull("/proc/stat") is { } stat ? stat.Split('\n').FirstOrDefault(l => l.StartsWith("btime ", StringComparison.Ordinal)) : null;
        return boot is not null && long.TryParse(boot[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var bootTime)
            && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? bootTime + (ticks / 100)
            : null;
    }

    /// <summary>Whether the process of that id and token still runs.</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="token">Its token, as <see cref="TokenOf"/> gave it when it ran.</param>
    /// <returns><see langword="true"/> when it runs; <see langword="false"/> when that id is free or another process's.</returns>
    public static bool IsRunning(int processId, string token) =>
        string.Equals(TokenOf(processId), token, StringComparison.Ordinal);

    private static string ReadHost()
    {
        var name = ReadOrNull("/proc/sys/kernel/hostname") ?? Environment.MachineName;
        var machine = ReadOrNull("/etc/machine-id") ?? string.Empty;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + "\n" + machine)))[..8];
        string? pidNamespace = null;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // "pid:[4026531836]"
                pidNamespace = new string((new FileInfo("/proc/self/ns/pid").LinkTarget ?? string.Empty).Where(char.IsAsciiDigit).ToArray());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                pidNamespace = null;
            }
        }

        return $"h{hash}n{(string.IsNullOrEmpty(pidNamespace) ? "0" : pidNamespace)}";
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadBoot()
    {
        try
        {
            var id = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim().Replace("-", string.Empty, StringComparison.Ordinal);
            return id.Length >= 8 ? id[..8].ToLowerInvariant() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name (field 3 first), or <see langword="null"/> when no such process runs.</summary>
    private static string[]? StatFields(int processId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ..." - comm may hold spaces and ')': the fields start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 ? fields : null;
    }
}
