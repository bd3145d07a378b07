using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.IO;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// The private local folders of parallel backups, restores and verifications (mode 0700, deleted after use). A folder's
/// name carries its owner, <c>dataguard-&lt;name&gt;-&lt;random&gt;.&lt;pid&gt;.&lt;start token&gt;</c>, so that a
/// folder left by a process that was killed (SIGKILL, a crash, a power loss) can be told from one in use and removed:
/// what pg_dump writes there is unencrypted. Removal is deletion: an overwrite would not erase blocks on SSDs and
/// copy-on-write file systems anyway, and is a lever for another user (sparse files, FIFOs, swapped links).
/// </summary>
internal static partial class StagingFolder
{
    private const int KillSignal = 9;

    /// <summary>Makes <c>dataguard-&lt;name&gt;-&lt;random&gt;.&lt;pid&gt;.&lt;token&gt;</c> (mode 0700) in <paramref name="root"/> (default: the temporary folder).</summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <param name="name">What it is for.</param>
    /// <returns>Its path.</returns>
    public static string Create(string? root, string name)
    {
        var parent = RootOf(root);
        Directory.CreateDirectory(parent);
        var path = Path.Combine(parent, $"dataguard-{name}-{Guid.NewGuid():N}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{ProcessIdentity.CurrentToken}");
        PrivateFiles.CreateDirectory(path);
        return path;
    }

    /// <summary>The folder staging folders are made in.</summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <returns>The folder.</returns>
    public static string RootOf(string? root) => Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? Path.GetTempPath() : root);

    /// <summary>Finds the staging folders in <paramref name="root"/> and whether their owners still run.</summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <returns>The folders found.</returns>
    public static IReadOnlyList<StagingLeftover> Find(string? root)
    {
        var parent = RootOf(root);
        if (!Directory.Exists(parent))
        {
            return [];
        }

        var found = new List<StagingLeftover>();
        foreach (var directory in new DirectoryInfo(parent).EnumerateDirectories("dataguard-*"))
        {
            // A link is not ours to follow, and a folder we do not own, or that others may write in, is not ours to judge:
            // anyone may create names in /tmp, and swap what is inside a folder they own while it is being removed.
            if (directory.LinkTarget is not null || !OwnedPrivateDirectory(directory.FullName))
            {
                continue;
            }

            var owned = OwnedName().Match(directory.Name);
            if (owned.Success)
            {
                var pid = int.Parse(owned.Groups["pid"].Value, CultureInfo.InvariantCulture);
                var token = owned.Groups["token"].Value;
                var state = !token.StartsWith(ProcessIdentity.HostPrefix, StringComparison.Ordinal) ? StagingOwner.OtherHost
                    : ProcessIdentity.IsRunning(pid, token) ? StagingOwner.Running
                    : StagingOwner.Gone;
                found.Add(new StagingLeftover(directory.FullName, pid, state, SizeOf(directory)));
            }
            else if (LegacyName().IsMatch(directory.Name))
            {
                found.Add(new StagingLeftover(directory.FullName, null, StagingOwner.Unknown, SizeOf(directory)));
            }
        }

        return found;
    }

    /// <summary>
    /// Removes the staging folders whose owner no longer runs: kills what is left of that owner's pg_dump or pg_restore
    /// (processes of this user whose command line names the folder, such as workers paused when their owner died), then
    /// deletes the folder. Only folders of this user with mode 0700 are considered, and only in a root that others
    /// cannot rename things in (not writable by others, or sticky like /tmp). Folders in use, and folders whose owner
    /// cannot be told (made by an older version) or that another host or container made (a shared folder), are left alone.
    /// </summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <returns>What was removed.</returns>
    public static IReadOnlyList<StagingLeftover> SweepAbandoned(string? root)
    {
        var removed = new List<StagingLeftover>();
        if (NativeStat.IsSupported && NativeStat.Of(RootOf(root)) is { } parent && (parent.Mode & 0x12) != 0 && (parent.Mode & 0x200) == 0)
        {
            // Group- or world-writable without the sticky bit: another user could rename a folder of ours away and put
            // their own in its place between the check and the delete. Doctor still reports what it finds.
            return removed;
        }
        foreach (var leftover in Find(root).Where(f => f.Owner == StagingOwner.Gone))
        {
            KillProcessesUsing(leftover.Path);
            try
            {
                Directory.Delete(leftover.Path, recursive: true);
                removed.Add(leftover);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another sweeper (a second host on the same folder) took it, or it is not ours to delete: doctor reports it.
            }
        }

        return removed;
    }

    /// <summary>Deletes a staging folder and what is left in it (links are removed, never followed); a failure to delete is not an error of the operation.</summary>
    /// <param name="path">The folder.</param>
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next backup's sweep, or the operator (doctor reports it).
        }
    }

    /// <summary>SIGKILL to every pg_dump, pg_restore or pg_basebackup of this user whose command line names <paramref name="folder"/> (Linux; a no-op elsewhere).</summary>
    private static void KillProcessesUsing(string folder)
    {
        if (!NativeFifo.IsSupported)
        {
            return;
        }

        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0');
                if (Path.GetFileName(arguments[0]) is "pg_dump" or "pg_restore" or "pg_basebackup"
                    && NativeStat.Of(proc) is { } owner && owner.Uid == NativeStat.EffectiveUserId
                    && arguments.Any(a => a.Contains(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || a.EndsWith(folder, StringComparison.Ordinal)))
                {
                    NativeFifo.Signal(pid, KillSignal);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Ended in between.
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> is a directory of this user that only this user may enter (mode 0700 or stricter).</summary>
    private static bool OwnedPrivateDirectory(string path) =>
        !NativeStat.IsSupported
        || (NativeStat.Of(path) is { } stat && NativeStat.IsDirectory(stat.Mode) && stat.Uid == NativeStat.EffectiveUserId && (stat.Mode & 0x3F) == 0);

    private static long SizeOf(DirectoryInfo directory)
    {
        try
        {
            return directory.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [GeneratedRegex(@"^dataguard-.+-[0-9a-f]{32}\.(?<pid>[0-9]{1,9})\.(?<token>[a-z0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex OwnedName();

    [GeneratedRegex(@"^dataguard-(backup|restore|verify)-.+-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyName();
}
