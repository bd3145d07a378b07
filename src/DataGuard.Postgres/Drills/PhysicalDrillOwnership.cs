using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.IO;
using DataGuard.Pitr;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// Who owns a physical drill's data directory. A running drill holds an exclusive lock (<c>flock</c>, released by the
/// kernel when its process ends, however it ends) on <c>&lt;directory&gt;.lock</c>, next to its data directory, from
/// before the directory exists until after it is removed; the file names the drill's process (its id and a token of
/// its host, PID namespace, boot and start time: <see cref="ProcessIdentity"/>). A drill killed meanwhile leaves its
/// temporary server running on a full copy of the cluster; the next drill with the same
/// <see cref="DrillOptions.PhysicalDataRoot"/> removes every directory with a generated drill name
/// (<c>dataguard-drill-yyyyMMddTHHmmssZ-drill-xxxxxx</c>) whose lock it can take and whose drill process is gone: it
/// stops the server in it (SIGQUIT to the PID of its <c>postmaster.pid</c>, only when that process runs in this very
/// directory) and deletes it. Links, directories without a lock file, and those of another user, host or container
/// are left alone and named in the report.
/// </summary>
internal sealed partial class PhysicalDrillOwnership : IDisposable
{
    private const string LockSuffix = ".lock";
    private readonly FileStream _lock;
    private readonly string _path;

    private PhysicalDrillOwnership(FileStream held, string path)
    {
        _lock = held;
        _path = path;
    }

    /// <summary>
    /// Takes the lock of the data directory <paramref name="directory"/> (which must not exist yet); held until disposed.
    /// The lock file is written and locked under a temporary name, then linked into place: no other drill ever sees it
    /// unlocked or empty.
    /// </summary>
    public static PhysicalDrillOwnership Acquire(string directory)
    {
        var path = directory + LockSuffix;
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var held = new FileStream(temporary, create);
        try
        {
            held.Write(System.Text.Encoding.ASCII.GetBytes(OwnerText(Environment.ProcessId, ProcessIdentity.CurrentToken)));
            held.Flush(flushToDisk: true);   // linked into place only once on disk: after a power loss, never an empty lock file (which names no drill, and is then kept forever)
            if (!NativeFileSystem.TryLinkNew(temporary, path))
            {
                throw new IOException($"{path} already exists.");
            }

            return new PhysicalDrillOwnership(held, path);
        }
        catch
        {
            held.Dispose();
            throw;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The text of a lock file: the drill process's id, then its <see cref="ProcessIdentity"/> token.</summary>
    internal static string OwnerText(int processId, string token) => $"{processId.ToString(CultureInfo.InvariantCulture)}\n{token}\n";

    /// <summary>
    /// Removes what drills that did not finish left under <paramref name="root"/>: each generated data directory other
    /// than <paramref name="own"/> whose lock nobody holds and whose drill process is gone on this host (its server
    /// stopped first), and lock files whose directory is gone.
    /// </summary>
    /// <returns>The directories removed, those that could not be, and those left alone, each with why.</returns>
    public static async Task<Sweep> SweepAsync(string root, string own)
    {
        var sweep = new Sweep();
        if (!Directory.Exists(root) || !OperatingSystem.IsLinux())
        {
            return sweep;
        }

        foreach (var directory in Directory.EnumerateDirectories(root, "dataguard-drill-*").Order(StringComparer.Ordinal).ToList())
        {
            if (!Generated().IsMatch(Path.GetFileName(directory)) || string.Equals(directory, own, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                if (await SweepOneAsync(directory).ConfigureAwait(false) is { } outcome)
                {
                    (outcome.Removed ? sweep.Removed : sweep.LeftAlone).Add(outcome.Detail);
                }
            }
            catch (Exception ex) when (ex is DataGuardException or IOException or UnauthorizedAccessException)
            {
                sweep.Failed.Add($"{directory} ({ex.Message.TrimEnd('.')})");
            }
        }

        foreach (var path in Directory.EnumerateFiles(root, "dataguard-drill-*" + LockSuffix).ToList())
        {
            var directory = path[..^LockSuffix.Length];
            if (Generated().IsMatch(Path.GetFileName(directory)) && !Directory.Exists(directory) && !string.Equals(directory, own, StringComparison.Ordinal) && OwnedRegularFile(path))
            {
                try
                {
                    using var held = TryTake(path);
                    if (held is not null && !Directory.Exists(directory) && Owner(held) is { } owner && owner.Token.StartsWith(ProcessIdentity.HostPrefix, StringComparison.Ordinal) && !ProcessIdentity.IsRunning(owner.Pid, owner.Token))
                    {
                        File.Delete(path);   // a drill killed before its restore began
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // not ours to remove
                }
            }
        }

        return sweep;
    }

    /// <summary>
    /// Removes the lock file when the data directory is gone, then lets the lock go. A directory that could not be
    /// removed keeps its lock file, so the next drill's sweep removes it.
    /// </summary>
    public void Dispose()
    {
        try
        {
            if (!Directory.Exists(_path[..^LockSuffix.Length]))
            {
                File.Delete(_path);
            }
        }
        finally
        {
            _lock.Dispose();
        }
    }

    /// <summary>
    /// Deletes a stopped server's data directory. The WAL prefetcher its restore_command started runs on its own until it
    /// sees the server gone, then removes its spool inside <c>pg_wal</c>: its lock is waited for (up to 30 s), so that the
    /// delete does not race files it is still writing.
    /// </summary>
    internal static async Task DeleteDataDirectoryAsync(string directory)
    {
        var prefetcher = Path.Combine(directory, "pg_wal", WalPrefetchSpool.FolderName + LockSuffix);
        for (var wait = 0; wait < 300 && File.Exists(prefetcher); wait++)
        {
            try
            {
                using var free = new FileStream(prefetcher, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                break;
            }
            catch (IOException)
            {
                await Task.Delay(100).ConfigureAwait(false);   // held: the prefetcher is still finishing
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5 && Directory.Exists(directory))
            {
                await Task.Delay(200 * attempt).ConfigureAwait(false);   // a process of the stopped server still ending
            }
        }
    }

    /// <summary>What to do with one generated directory: <see langword="null"/> when a running drill owns it.</summary>
    private static async Task<(bool Removed, string Detail)?> SweepOneAsync(string directory)
    {
        var path = directory + LockSuffix;
        if (new DirectoryInfo(directory).LinkTarget is not null || new FileInfo(path).LinkTarget is not null)
        {
            // A drill makes neither: whatever a link points at (a real cluster's data directory) is not a drill's.
            return (false, $"{directory} (a symbolic link, or its lock file is one: not a drill's)");
        }

        if (!File.Exists(path))
        {
            return Directory.Exists(directory) ? (false, $"{directory} (no lock file: an older release's drill, or made by hand)") : null;
        }

        if (!OwnedRegularFile(path))
        {
            return (false, $"{directory} (its lock file is another user's, or not a file: that user's drills remove it)");
        }

        FileStream? held;
        try
        {
            held = TryTake(path);
        }
        catch (UnauthorizedAccessException)
        {
            return (false, $"{directory} (its lock file is another user's: that user's drills remove it)");
        }

        using var taken = held;
        if (held is null || !Directory.Exists(directory))
        {
            return null;   // a running drill's, or another drill removed it first
        }

        if (Owner(held) is not { } owner)
        {
            return (false, $"{directory} (its lock file names no drill process)");
        }

        if (!owner.Token.StartsWith(ProcessIdentity.HostPrefix, StringComparison.Ordinal))
        {
            // Its processes (the drill, its server) cannot be seen from here: that host's or container's drills remove it.
            return (false, $"{directory} (a drill of another host or container: its server may run there)");
        }

        if (ProcessIdentity.IsRunning(owner.Pid, owner.Token))
        {
            return null;   // its drill still runs (its lock not seen: file locking turned off, say)
        }

        var stopped = await StopLeftoverServerAsync(directory).ConfigureAwait(false);
        await DeleteDataDirectoryAsync(directory).ConfigureAwait(false);
        File.Delete(path);
        return (true, stopped is { } pid ? $"{directory} (its server, PID {pid}, stopped)" : directory);
    }

    /// <summary>
    /// Stops the server a dead drill left in <paramref name="directory"/>: SIGQUIT (an immediate shutdown: a scratch copy
    /// has nothing to keep) to the PID of its postmaster.pid, only when that process runs in this very directory (its
    /// working directory holds this same postmaster.pid, which names this directory): after a reboot or a container
    /// restart that PID is another process's (production's postmaster, say), and whoever can write the root can write
    /// the file. Not <c>pg_ctl -D</c>, which may follow the directory's configuration to another data directory.
    /// </summary>
    /// <returns>The PID stopped, or <see langword="null"/> when no server ran there.</returns>
    private static async Task<int?> StopLeftoverServerAsync(string directory)
    {
        var pidFile = Path.Combine(directory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var pid = LeftoverPostmaster(directory, pidFile);
        if (pid is null)
        {
            return null;
        }

        var error = NativeSignals.Send(pid.Value, NativeSignals.Quit);
        if (error != 0)
        {
            return error == 3 ? null : throw new DataGuardException($"its server (postmaster PID {pid}) could not be signalled (errno {error})") { Operation = "drill" };
        }

        // An immediate shutdown ends the children within seconds (the postmaster SIGKILLs them after 5 s).
        for (var wait = 0; wait < 300 && LeftoverPostmaster(directory, pidFile) is not null; wait++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        return LeftoverPostmaster(directory, pidFile) is null
            ? pid
            : throw new DataGuardException($"its server (postmaster PID {pid}) did not stop within 30 s of SIGQUIT") { Operation = "drill" };
    }

    /// <summary>
    /// The PID of a leftover's postmaster.pid when that process runs in the directory with this same file (it is that
    /// directory's postmaster), <see langword="null"/> when no such process runs (gone, or the PID is another process's);
    /// throws when that cannot be told, so the directory is kept.
    /// </summary>
    private static int? LeftoverPostmaster(string directory, string pidFile)
    {
        byte[] ours;
        try
        {
            ours = File.ReadAllBytes(pidFile);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;   // removed by its postmaster as it stopped
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataGuardException($"its postmaster.pid is unreadable ({ex.Message})", ex) { Operation = "drill" };
        }

        var lines = System.Text.Encoding.UTF8.GetString(ours).Split('\n');
        if (lines.Length < 2 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new DataGuardException("its postmaster.pid names no PID") { Operation = "drill" };
        }

        byte[] theirs;
        try
        {
            theirs = File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cwd/postmaster.pid");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;   // no such process, or one whose working directory holds no postmaster.pid: not a postmaster
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
            {
                return null;   // ended meanwhile (ESRCH)
            }

            throw new DataGuardException($"PID {pid} of its postmaster.pid runs, and whether it is this directory's postmaster cannot be told ({ex.Message})", ex) { Operation = "drill" };
        }

        if (!theirs.AsSpan().SequenceEqual(ours))
        {
            return null;   // another process has the PID now (a reboot, a container restart): not to be signalled
        }

        return string.Equals(Path.GetFullPath(lines[1]), Path.GetFullPath(directory), StringComparison.Ordinal)
            ? pid
            : throw new DataGuardException($"PID {pid} runs with this postmaster.pid, which names {lines[1]}, not this directory") { Operation = "drill" };
    }

    /// <summary>Whether <paramref name="path"/> is a regular file of this process's user (not a link, a device, another user's).</summary>
    private static bool OwnedRegularFile(string path) =>
        NativeStat.Of(path) is { } stat && NativeStat.IsRegularFile(stat.Mode) && stat.Uid == NativeStat.EffectiveUserId;

    /// <summary>The drill process a taken lock file names, or <see langword="null"/>.</summary>
    private static (int Pid, string Token)? Owner(FileStream held)
    {
        var buffer = new byte[512];
        var read = held.Read(buffer);
        var lines = System.Text.Encoding.ASCII.GetString(buffer, 0, read).Split('\n');
        return lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 && lines[1].Length > 0 && lines[1].All(char.IsAsciiLetterOrDigit)
            ? (pid, lines[1])
            : null;
    }

    /// <summary>Takes a lock file; <see langword="null"/> when a running drill holds it. Another user's lock file throws <see cref="UnauthorizedAccessException"/>.</summary>
    private static FileStream? TryTake(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"\Adataguard-drill-[0-9]{8}T[0-9]{6}Z-drill-[0-9a-f]{6}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Generated();

    /// <summary>What a sweep did.</summary>
    internal sealed class Sweep
    {
        /// <summary>Gets the data directories removed (their servers stopped).</summary>
        public List<string> Removed { get; } = [];

        /// <summary>Gets the directories that could not be removed, each with why.</summary>
        public List<string> Failed { get; } = [];

        /// <summary>Gets the generated directories not swept (a link, no lock file, another user's, host's or container's), each with why.</summary>
        public List<string> LeftAlone { get; } = [];
    }
}
