using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.IO;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// The private local folders of parallel backups, restores and verifications (mode 0700, deleted after use). A folder's
/// name carries its owner, <c>dataguard-&lt;name&gt;-&lt;random&gt;.&lt;pid&gt;.&lt;start token&gt;</c>, so that a
/// folder left by a process that was killed (SIGKILL, a crash, a power loss) can be told from one in use and removed:
/// what pg_dump writes there is unencrypted.
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
    public static string RootOf(string? root) => string.IsNullOrWhiteSpace(root) ? Path.GetTempPath() : root;

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
            // A link is not ours to follow (anyone may create names in /tmp).
            if (directory.LinkTarget is not null)
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
    /// (processes whose command line names the folder, such as workers paused when their owner died), overwrites
    /// every file with zeros, then deletes it. Folders in use, and folders whose owner cannot be told (made by an older
    /// version) or that another host or container made (a shared folder), are left alone.
    /// </summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <returns>What was removed.</returns>
    public static IReadOnlyList<StagingLeftover> SweepAbandoned(string? root)
    {
        var removed = new List<StagingLeftover>();
        foreach (var leftover in Find(root).Where(f => f.Owner == StagingOwner.Gone))
        {
            KillProcessesUsing(leftover.Path);
            try
            {
                SecureDelete(new DirectoryInfo(leftover.Path));
                removed.Add(leftover);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another sweeper (a second host on the same folder) took it, or it is not ours to delete: doctor reports it.
            }
        }

        return removed;
    }

    /// <summary>Deletes a staging folder and what is left in it (overwritten first); a failure to delete is not an error of the operation.</summary>
    /// <param name="path">The folder.</param>
    public static void Delete(string path)
    {
        try
        {
            var directory = new DirectoryInfo(path);
            if (directory.Exists)
            {
                SecureDelete(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next backup's sweep, or the operator (doctor reports it).
        }
    }

    /// <summary>
    /// Overwrites each regular file with zeros (flushed to the disk), then deletes the tree; links are removed, never
    /// followed; named pipes and empty files are only removed. On copy-on-write file systems and SSDs the old blocks
    /// may survive the overwrite: the folder's mode (0700) is the protection that counts.
    /// </summary>
    private static void SecureDelete(DirectoryInfo directory)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                entry.Delete();
            }
            else if (entry is DirectoryInfo child)
            {
                SecureDelete(child);
            }
            else if (entry is FileInfo { Length: > 0 } file)
            {
                Overwrite(file);
                file.Delete();
            }
            else
            {
                entry.Delete();
            }
        }

        directory.Delete();
    }

    private static void Overwrite(FileInfo file)
    {
        var zeros = new byte[1024 * 1024];
        using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        var length = stream.Length;
        for (long done = 0; done < length; done += zeros.Length)
        {
            stream.Write(zeros, 0, (int)Math.Min(zeros.Length, length - done));
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>SIGKILL to every process whose command line names <paramref name="folder"/> (Linux; a no-op elsewhere).</summary>
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
                if (arguments.Any(a => a.Contains(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || a.EndsWith(folder, StringComparison.Ordinal)))
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
