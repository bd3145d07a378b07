using System.Diagnostics;
using DataGuard.Backup.ParallelDump;
using DataGuard.IO;

namespace DataGuard.Tests.Backup;

/// <summary>Staging folders name their owner (pid and start time) so that those of killed processes can be swept, and only those.</summary>
public sealed class StagingFolderTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("dg-staging-unit-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void A_staging_folder_is_private_and_names_this_process_which_still_runs_so_the_sweep_keeps_it()
    {
        var path = StagingFolder.Create(_root.FullName, "backup-20261130T000000Z-logical-abc123");
        File.WriteAllText(Path.Combine(path, "1234.dat"), "plaintext rows");

        Assert.Contains($".{Environment.ProcessId}.{ProcessIdentity.CurrentToken}", Path.GetFileName(path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
        var found = Assert.Single(StagingFolder.Find(_root.FullName));
        Assert.Equal(StagingOwner.Running, found.Owner);
        Assert.Empty(StagingFolder.SweepAbandoned(_root.FullName));
        Assert.True(File.Exists(Path.Combine(path, "1234.dat")));
    }

    [Fact]
    public void A_folder_whose_pid_now_belongs_to_another_process_is_swept_with_its_files()
    {
        // Our own pid, but another start time: the pid was reused after its owner died.
        var reused = Path.Combine(_root.FullName, $"dataguard-backup-x-{Guid.NewGuid():N}.{Environment.ProcessId}.{ProcessIdentity.HostPrefix}b00000000s1");
        Directory.CreateDirectory(reused, Private);
        Directory.CreateDirectory(Path.Combine(reused, "dump"));
        File.WriteAllText(Path.Combine(reused, "dump", "4321.dat"), new string('x', 5000));
        File.WriteAllText(Path.Combine(reused, "dump", "empty.dat"), string.Empty);

        var removed = Assert.Single(StagingFolder.SweepAbandoned(_root.FullName));

        Assert.Equal(reused, removed.Path);
        Assert.Equal(Environment.ProcessId, removed.OwnerProcessId);
        Assert.Equal(5000, removed.Bytes);
        Assert.False(Directory.Exists(reused));
    }

    [Fact]
    public async Task A_folder_of_a_process_that_ended_is_swept_and_one_of_a_running_process_is_kept()
    {
        using var running = Process.Start("sleep", "30");
        using var ended = Process.Start("true");
        await ended.WaitForExitAsync();
        var runningToken = ProcessIdentity.TokenOf(running.Id)!;
        var alive = Path.Combine(_root.FullName, $"dataguard-restore-y-{Guid.NewGuid():N}.{running.Id}.{runningToken}");
        var dead = Path.Combine(_root.FullName, $"dataguard-verify-z-{Guid.NewGuid():N}.{ended.Id}.{runningToken}");
        var legacy = Path.Combine(_root.FullName, $"dataguard-backup-20261130T000000Z-logical-abc123-{Guid.NewGuid():N}");
        var otherHost = Path.Combine(_root.FullName, $"dataguard-backup-w-{Guid.NewGuid():N}.{ended.Id}.h00000000b00000000s1");
        Directory.CreateDirectory(otherHost, Private);
        Directory.CreateDirectory(alive, Private);
        Directory.CreateDirectory(dead, Private);
        Directory.CreateDirectory(legacy, Private);
        try
        {
            var removed = StagingFolder.SweepAbandoned(_root.FullName);

            Assert.Equal(dead, Assert.Single(removed).Path);
            Assert.True(Directory.Exists(alive));
            Assert.True(Directory.Exists(legacy), "a folder whose owner cannot be told is kept");
            Assert.Equal(StagingOwner.Unknown, Assert.Single(StagingFolder.Find(_root.FullName), f => f.Path == legacy).Owner);
            Assert.True(Directory.Exists(otherHost), "a folder another host or container made (a shared folder) is kept: its owner cannot be checked from here");
            Assert.Equal(StagingOwner.OtherHost, Assert.Single(StagingFolder.Find(_root.FullName), f => f.Path == otherHost).Owner);
        }
        finally
        {
            running.Kill();
        }
    }

    [Fact]
    public void A_link_inside_an_abandoned_folder_is_removed_and_what_it_points_to_is_kept()
    {
        // Hostile review: the sweep overwrote and deleted files through a link planted in a folder.
        var victim = Directory.CreateDirectory(Path.Combine(_root.FullName, "victim"));
        File.WriteAllText(Path.Combine(victim.FullName, "precious.txt"), "keep me");
        var dead = DeadFolder();
        Directory.CreateSymbolicLink(Path.Combine(dead, "l"), victim.FullName);
        File.CreateSymbolicLink(Path.Combine(dead, "f"), Path.Combine(victim.FullName, "precious.txt"));

        Assert.Single(StagingFolder.SweepAbandoned(_root.FullName));

        Assert.False(Directory.Exists(dead));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(victim.FullName, "precious.txt")));
    }

    [Fact]
    public async Task A_look_alike_folder_that_is_not_private_or_not_ours_is_never_touched()
    {
        // Hostile review: any local user could plant a folder under our naming scheme (the host prefix is computable)
        // and make the sweep destroy what is inside or reached from it.
        var open = DeadFolder(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var theirs = DeadFolder();
        using (var chown = Process.Start("chown", ["nobody", theirs]))
        {
            await chown.WaitForExitAsync();
            Assert.Equal(0, chown.ExitCode);
        }

        Assert.Empty(StagingFolder.SweepAbandoned(_root.FullName));
        Assert.True(Directory.Exists(open));
        Assert.True(Directory.Exists(theirs));
        Assert.Empty(StagingFolder.Find(_root.FullName));
    }

    [Fact]
    public void Nothing_is_swept_in_a_folder_others_may_rename_entries_in_unless_it_is_sticky()
    {
        var dead = DeadFolder();
        File.SetUnixFileMode(_root.FullName, (UnixFileMode)0x1FF); // 0777: anyone could swap our folder for theirs

        Assert.Empty(StagingFolder.SweepAbandoned(_root.FullName));
        Assert.True(Directory.Exists(dead));

        File.SetUnixFileMode(_root.FullName, (UnixFileMode)0x3FF); // 01777, like /tmp
        Assert.Single(StagingFolder.SweepAbandoned(_root.FullName));
        Assert.False(Directory.Exists(dead));
    }

    [Fact]
    public void A_folder_made_in_another_pid_namespace_of_this_host_is_another_hosts()
    {
        // Hostile review: a container with its own PID namespace sharing the folder (same host name) had its live
        // backup's folder deleted and its pg_dump killed: its pid means nothing here.
        var prefix = ProcessIdentity.HostPrefix;
        var otherNamespace = prefix[..prefix.IndexOf('n', StringComparison.Ordinal)] + "n1";
        var path = Path.Combine(_root.FullName, $"dataguard-backup-ns-{Guid.NewGuid():N}.1.{otherNamespace}b00000000s1");
        Directory.CreateDirectory(path, Private);

        Assert.Empty(StagingFolder.SweepAbandoned(_root.FullName));
        Assert.Equal(StagingOwner.OtherHost, Assert.Single(StagingFolder.Find(_root.FullName)).Owner);
        Assert.Matches("^h[0-9a-f]{8}n[0-9]+$", prefix);
    }

    [Fact]
    public async Task Only_pg_tools_naming_an_abandoned_folder_are_killed()
    {
        // Hostile review: any process naming the folder (an operator's `less <folder>/toc.dat`) was SIGKILLed.
        var dead = DeadFolder();
        using var reader = Process.Start("sh", ["-c", "sleep 30", Path.Combine(dead, "toc.dat")]);
        try
        {
            Assert.Single(StagingFolder.SweepAbandoned(_root.FullName));
            await Task.Delay(200);
            Assert.False(reader.HasExited, "a process that is not a pg tool was killed");
        }
        finally
        {
            reader.Kill();
        }
    }

    /// <summary>A private folder named after a process that ended: abandoned.</summary>
    private string DeadFolder(UnixFileMode mode = Private)
    {
        using var ended = Process.Start("true")!;
        ended.WaitForExit();
        var path = Path.Combine(_root.FullName, $"dataguard-backup-d-{Guid.NewGuid():N}.{ended.Id}.{ProcessIdentity.CurrentToken}");
        Directory.CreateDirectory(path, mode);
        File.SetUnixFileMode(path, mode);
        File.WriteAllText(Path.Combine(path, "1.dat"), "rows");
        return path;
    }
}
