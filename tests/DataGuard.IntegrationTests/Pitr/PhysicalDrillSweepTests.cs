using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// A physical drill killed while its temporary server ran left that server running on a full copy of the cluster, and
/// nothing removed it. A drill now holds a lock file next to its data directory for its whole life; the next drill
/// stops and removes the directories whose lock nobody holds, and leaves a running drill's and a lock-less one alone.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PhysicalDrillSweepTests
{
    [Fact]
    public async Task A_drill_stops_and_removes_the_server_a_killed_drill_left_and_leaves_a_running_drills_directory_alone()
    {
        await using var cluster = await PhysicalDrillLab.StartAsync(segments: 2);
        var root = PhysicalDrillLab.NewRoot(cluster);

        // A killed drill's leftover: its server restored and running, its lock file there and held by nobody.
        var dead = Path.Combine(root, "dataguard-drill-20260101T000000Z-drill-0a0a0a");
        cluster.NewCopyDirectory(dead);
        await cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(new PitrRestoreRequest
        {
            DataDirectory = dead,
            Target = PitrTarget.Latest,
            RestoreCommand = cluster.RestoreCommand,
            Port = PitrTestCluster.FreePort(),
            Start = true,
            Promote = true,
            WaitTimeout = TimeSpan.FromMinutes(3),
        });
        Assert.True(await PitrTestCluster.IsRunningAsync(dead));
        await File.WriteAllTextAsync(dead + ".lock", PhysicalDrillLab.DeadDrillOwner);

        // A running drill's directory (its lock held), one without a lock file, one made by hand, and a lock file of a
        // drill killed before its restore began.
        var running = Path.Combine(root, "dataguard-drill-20260101T000001Z-drill-1b1b1b");
        Directory.CreateDirectory(running);
        await using var held = new FileStream(running + ".lock", FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        var lockless = Path.Combine(root, "dataguard-drill-20260101T000002Z-drill-2c2c2c");
        Directory.CreateDirectory(lockless);
        var byHand = Path.Combine(root, "dataguard-drill-keep");
        Directory.CreateDirectory(byHand);
        await File.WriteAllTextAsync(byHand + ".lock", string.Empty);
        var orphanLock = Path.Combine(root, "dataguard-drill-20260101T000003Z-drill-3d3d3d.lock");
        await File.WriteAllTextAsync(orphanLock, PhysicalDrillLab.DeadDrillOwner);

        // A drill of another host or container (its processes cannot be seen from here), and one whose drill process (here
        // a stand-in) still runs although its lock is free (file locking off): both left alone.
        var foreign = Path.Combine(root, "dataguard-drill-20260101T000004Z-drill-4e4e4e");
        Directory.CreateDirectory(foreign);
        await File.WriteAllTextAsync(foreign + ".lock", PhysicalDrillOwnership.OwnerText(4242, "h0badc0den1b00000000s1"));
        var alive = Path.Combine(root, "dataguard-drill-20260101T000005Z-drill-5f5f5f");
        Directory.CreateDirectory(alive);
        using var aliveDrill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        await File.WriteAllTextAsync(alive + ".lock", PhysicalDrillOwnership.OwnerText(aliveDrill.Id, DataGuard.IO.ProcessIdentity.TokenOf(aliveDrill.Id)!));

        var report = await PhysicalDrillLab.RunDrillAsync(cluster, root);

        Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        var leftovers = Assert.Single(report.Checks, c => c.Name == "leftovers");
        Assert.True(leftovers.Passed, leftovers.Detail);
        Assert.Contains($"removed 1 data directory(ies) of physical drills that did not finish: {dead} (its server, PID ", leftovers.Detail, StringComparison.Ordinal);
        Assert.Contains($"left alone {lockless} (no lock file", leftovers.Detail, StringComparison.Ordinal);
        Assert.Contains($"{foreign} (a drill of another host or container", leftovers.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(running, leftovers.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(alive, leftovers.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(byHand, leftovers.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dead));
        Assert.False(File.Exists(dead + ".lock"));
        Assert.Empty(Chaos.ChaosProcesses.Find("-D", dead));
        Assert.False(File.Exists(orphanLock));
        Assert.True(Directory.Exists(running));
        Assert.True(File.Exists(running + ".lock"));
        Assert.True(Directory.Exists(lockless));
        Assert.True(Directory.Exists(byHand));
        Assert.True(Directory.Exists(foreign));
        Assert.True(Directory.Exists(alive));

        // The drill's own directory and lock file are gone; a second drill finds nothing new to remove.
        Assert.Equal(
            new[] { byHand, byHand + ".lock", running, running + ".lock", lockless, foreign, foreign + ".lock", alive, alive + ".lock" }.Order(StringComparer.Ordinal),
            Directory.EnumerateFileSystemEntries(root).Order(StringComparer.Ordinal));
        var second = await PhysicalDrillLab.RunDrillAsync(cluster, root);
        Assert.True(second.Passed, second.Error);
        Assert.DoesNotContain("removed", Assert.Single(second.Checks, c => c.Name == "leftovers").Detail, StringComparison.Ordinal);
        aliveDrill.Kill();
    }
}
