using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.IO;
using DataGuard.Pitr;
using DataGuard.Postgres.Pitr;

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

    /// <summary>The directories the running drills of this process own (a lock file naming this process but not here is a finished drill's).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Owned = new(StringComparer.Ordinal);
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
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            // No hard links (and no sweep: it needs /proc): the lock file is created in place.
            var direct = new FileStream(path, create);
            Owned[directory] = 0;
            return new PhysicalDrillOwnership(direct, path);
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        var held = new FileStream(temporary, create);
        try
        {
            held.Write(System.Text.Encoding.ASCII.GetBytes(OwnerText(Environment.ProcessId, ProcessIdentity.CurrentToken)));
            held.Flush(flushToDisk: true);   // linked into place only once on disk: after a power loss, never an empty lock file (which names no drill, and is then kept forever)
            if (!NativeFileSystem.TryLinkNew(temporary, path))
            {
                throw new IOException($"{path} already exists.");
            }

            Owned[directory] = 0;
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
    /// stopped first, with the <c>pg_ctl</c> <paramref name="pgCtl"/> finds), and lock files whose directory is gone.
    /// </summary>
    /// <returns>The directories removed, those that could not be, and those left alone, each with why.</returns>
    public static async Task<Sweep> SweepAsync(string root, string own, Func<Task<string>> pgCtl)
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
                if (await SweepOneAsync(directory, pgCtl).ConfigureAwait(false) is { } outcome)
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
                    if (held is not null && !Directory.Exists(directory) && Owner(held) is { } owner && owner.Token.StartsWith(ProcessIdentity.HostPrefix, StringComparison.Ordinal) && (!ProcessIdentity.IsRunning(owner.Pid, owner.Token) || (owner.Pid == Environment.ProcessId && !Owned.ContainsKey(directory))))
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
        var directory = _path[..^LockSuffix.Length];
        try
        {
            if (!Directory.Exists(directory))
            {
                File.Delete(_path);
            }
        }
        finally
        {
            Owned.TryRemove(directory, out _);
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
                await DeleteTreeAsync(directory).ConfigureAwait(false);
                return;
            }
            catch (IOException) when (attempt < 5 && Directory.Exists(directory))
            {
                await Task.Delay(200 * attempt).ConfigureAwait(false);   // a process of the stopped server still ending
            }
        }
    }

    /// <summary>
    /// Deletes a data directory. Run as root, its contents belong to the server's user, who could swap a folder for a
    /// link while a path-based delete (.NET's) walks it, and have root delete what the link points at: root deletes
    /// with coreutils' <c>rm -rf --one-file-system</c>, which works relative to the folders it opened and never follows
    /// a link.
    /// </summary>
    private static async Task DeleteTreeAsync(string directory)
    {
        if (!ServerUser.IsRoot || !OperatingSystem.IsLinux())
        {
            Directory.Delete(directory, recursive: true);
            return;
        }

        try
        {
            await ServerUser.RunAsync("rm", ["-rf", "--one-file-system", "--", directory], CancellationToken.None).ConfigureAwait(false);
        }
        catch (DataGuardException ex)
        {
            throw new IOException($"{directory} could not be deleted: {ex.Message}", ex);
        }
    }

    /// <summary>What to do with one generated directory: <see langword="null"/> when a running drill owns it.</summary>
    private static async Task<(bool Removed, string Detail)?> SweepOneAsync(string directory, Func<Task<string>> pgCtl)
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

        if (ProcessIdentity.IsRunning(owner.Pid, owner.Token) && (owner.Pid != Environment.ProcessId || Owned.ContainsKey(directory)))
        {
            return null;   // its drill still runs (its lock not seen: file locking turned off, say)
        }

        var stopped = await StopLeftoverServerAsync(directory, pgCtl).ConfigureAwait(false);
        await DeleteDataDirectoryAsync(directory).ConfigureAwait(false);
        File.Delete(path);
        return (true, stopped is { } pid ? $"{directory} (its server, PID {pid}, stopped)" : directory);
    }

    /// <summary>
    /// Stops the server a dead drill left in <paramref name="directory"/> (an immediate shutdown: a scratch copy has
    /// nothing to keep), only when the PID of its postmaster.pid is this directory's postmaster (see
    /// <see cref="LeftoverPostmaster"/>): after a reboot or a container restart that PID is another process's
    /// (production's postmaster, say), and whoever can write the root can write the file.
    /// </summary>
    /// <returns>The PID stopped, or <see langword="null"/> when no server ran there.</returns>
    private static async Task<int?> StopLeftoverServerAsync(string directory, Func<Task<string>> pgCtl)
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

        // pg_ctl, as the server's user, once the PID is known to be this directory's postmaster, and only on a real data
        // directory (PG_VERSION present: pg_ctl then never follows the directory's configuration to another one). Should
        // postmaster.pid change in between, only that user's processes can be signalled: the server's user can do that anyway.
        if (NativeStat.Of(Path.Combine(directory, "PG_VERSION")) is not { } version || !NativeStat.IsRegularFile(version.Mode))
        {
            throw new DataGuardException($"its server (postmaster PID {pid}) runs, but the directory has no PG_VERSION file; not stopped") { Operation = "drill" };
        }

        try
        {
            await ServerUser.RunAsync(await pgCtl().ConfigureAwait(false), ["-D", directory, "-m", "immediate", "-w", "-t", "60", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
        }
        catch (DataGuardException) when (LeftoverPostmaster(directory, pidFile) is null)
        {
            // stopped meanwhile
        }

        return LeftoverPostmaster(directory, pidFile) is null
            ? pid
            : throw new DataGuardException($"its server (postmaster PID {pid}) did not stop (pg_ctl stop -m immediate)") { Operation = "drill" };
    }

    /// <summary>
    /// The PID of a leftover's postmaster.pid when that process is the directory's postmaster, <see langword="null"/>
    /// when no such process runs: the file must be a regular one naming this directory; the process must belong to the
    /// directory's owner (PostgreSQL runs only as its data directory's owner) and have started when the file says
    /// (line 3, to the second), and, where its working directory can be read, hold this same file there. A PID
    /// reused after a reboot or a container restart (production's postmaster, a daemon of another user) fails these.
    /// </summary>
    private static int? LeftoverPostmaster(string directory, string pidFile)
    {
        var ours = ReadSmallRegularFile(pidFile);
        if (ours is null)
        {
            return null;   // gone (its postmaster removed it as it stopped), or not a file PostgreSQL writes
        }

        var lines = System.Text.Encoding.UTF8.GetString(ours).Split('\n');
        if (lines.Length < 3 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0
            || !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var startedAt)
            || !string.Equals(Path.GetFullPath(lines[1]), Path.GetFullPath(directory), StringComparison.Ordinal))
        {
            return null;   // not a postmaster.pid of this directory's server
        }

        var process = pid.ToString(CultureInfo.InvariantCulture);
        if (ProcessOwner(process) is not { } uid || NativeStat.Of(directory) is not { } owner || uid != owner.Uid
            || ProcessIdentity.StartedAt(pid) is not { } start || Math.Abs(start - startedAt) > 2)
        {
            return null;   // no such process, another user's, or one that started at another time: not this server
        }

        try
        {
            var theirs = ReadSmallRegularFile($"/proc/{process}/cwd/postmaster.pid");
            return theirs is not null && theirs.AsSpan().SequenceEqual(ours) ? pid : null;
        }
        catch (UnauthorizedAccessException)
        {
            return pid;   // its working directory is not readable from here (no CAP_SYS_PTRACE): owner and start time tell
        }
    }

    /// <summary>A regular file's first 4 KiB (never a FIFO's, a device's or a link's), or <see langword="null"/> when it is none or is gone.</summary>
    private static byte[]? ReadSmallRegularFile(string path)
    {
        if (NativeStat.Of(path) is not { } stat)
        {
            // No such file (null), or its folder may not be searched (another user's /proc/<pid>/cwd: the open says so).
            try
            {
                using var probe = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                return null;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
        }

        if (!NativeStat.IsRegularFile(stat.Mode))
        {
            return null;
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            var buffer = new byte[4096];
            var read = RandomAccess.Read(handle, buffer, 0);
            return buffer[..read];
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The real uid of a running process (from its world-readable status), or <see langword="null"/>.</summary>
    private static uint? ProcessOwner(string process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = line?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 1 } && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
