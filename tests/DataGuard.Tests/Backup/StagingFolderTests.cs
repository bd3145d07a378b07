using System.Diagnostics;
using DataGuard.Backup.ParallelDump;
using DataGuard.IO;

namespace DataGuard.Tests.Backup;

/// <summary>Staging folders name their owner (pid and start time) so that those of killed processes can be swept, and only those.</summary>
public sealed class StagingFolderTests : IDisposable
{
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
        Directory.CreateDirectory(otherHost);
        Directory.CreateDirectory(alive);
        Directory.CreateDirectory(dead);
        Directory.CreateDirectory(legacy);
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
}
