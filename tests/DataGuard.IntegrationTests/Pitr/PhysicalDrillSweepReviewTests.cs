using DataGuard.Backup;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// Review of the physical drill sweep (rev43): what the sweep must never touch. Each test plants, in the drill's data
/// root, an entry whose name is a generated drill name and whose lock file nobody holds — what a killed drill leaves,
/// but also what anybody who can write the root (every local user when the root is the default, /tmp) can make — and
/// checks that the cluster the drills protect keeps running.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PhysicalDrillSweepReviewTests
{
    /// <summary>
    /// A leftover whose postmaster.pid names a process that is not its postmaster (the PID reused after a reboot or a
    /// container restart, or a file written by another local user): pg_ctl stop signals whatever process has that PID.
    /// Here that PID is the production postmaster's.
    /// </summary>
    [Fact]
    public async Task A_leftover_whose_postmaster_pid_names_another_process_does_not_get_that_process_signalled()
    {
        await using var cluster = await PhysicalDrillLab.StartAsync(segments: 1);
        var root = PhysicalDrillLab.NewRoot(cluster);
        var production = ProductionDataDirectory(cluster);
        var productionPid = (await File.ReadAllLinesAsync(Path.Combine(production, "postmaster.pid")))[0];

        // A leftover of a drill killed by a reboot: its postmaster is gone, and after the reboot its PID went to another
        // process of the postgres user (here: production's postmaster).
        var stale = Path.Combine(root, "dataguard-drill-20260101T000000Z-drill-7a7a7a");
        Directory.CreateDirectory(stale);
        File.SetUnixFileMode(stale, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(stale, "PG_VERSION"), "15\n");
        await File.WriteAllTextAsync(Path.Combine(stale, "postmaster.pid"), $"{productionPid}\n{stale}\n1767225600\n5432\n/tmp\n127.0.0.1\n  5432001    123\nready   \n");
        File.SetUnixFileMode(Path.Combine(stale, "postmaster.pid"), (UnixFileMode)0b110_100_100);
        await File.WriteAllTextAsync(stale + ".lock", PhysicalDrillLab.DeadDrillOwner);

        var report = await PhysicalDrillLab.RunDrillAsync(cluster, root);

        Assert.True(await ProductionAnswersAsync(cluster), $"production's postmaster (PID {productionPid}) was stopped by the drill's sweep; leftovers: {Leftovers(report)}");

        // Its drill is gone and no process runs in it: only files, removed without signalling anybody.
        Assert.Contains($"removed 1 data directory(ies) of physical drills that did not finish: {stale}", Leftovers(report), StringComparison.Ordinal);
        Assert.DoesNotContain("stopped", Leftovers(report), StringComparison.Ordinal);
        Assert.False(Directory.Exists(stale));
    }

    /// <summary>
    /// A symbolic link named like a drill's directory that points at a real cluster's data directory, with an unheld
    /// lock file next to it: the sweep must neither stop that cluster nor delete its files.
    /// </summary>
    [Fact]
    public async Task A_symlink_named_like_a_drill_directory_does_not_get_the_cluster_it_points_at_stopped_or_deleted()
    {
        await using var cluster = await PhysicalDrillLab.StartAsync(segments: 1);
        var root = PhysicalDrillLab.NewRoot(cluster);
        var production = ProductionDataDirectory(cluster);
        var entries = Directory.EnumerateFileSystemEntries(production).Count();

        var link = Path.Combine(root, "dataguard-drill-20260101T000000Z-drill-8b8b8b");
        File.CreateSymbolicLink(link, production);
        await File.WriteAllTextAsync(link + ".lock", PhysicalDrillLab.DeadDrillOwner);

        var report = await PhysicalDrillLab.RunDrillAsync(cluster, root);

        Assert.True(File.Exists(Path.Combine(production, "PG_VERSION")), $"production's data directory was emptied through the link ({entries} entries before, {Directory.EnumerateFileSystemEntries(production).Count()} after); leftovers: {Leftovers(report)}");
        Assert.True(await ProductionAnswersAsync(cluster), $"production was stopped through the link; leftovers: {Leftovers(report)}");
        Assert.Contains($"{link} (a symbolic link", Leftovers(report), StringComparison.Ordinal);
    }

    private static string ProductionDataDirectory(PitrTestCluster cluster) => Path.Combine(cluster.StateDir, "pg", "data");

    private static string Leftovers(DrillReport report) =>
        report.Checks.FirstOrDefault(c => c.Name == "leftovers")?.Detail ?? "(no leftovers check)";

    private static async Task<bool> ProductionAnswersAsync(PitrTestCluster cluster)
    {
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync();
                return true;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(250);   // a postmaster restarting its backends after a crash of one answers again soon
            }
        }

        return false;
    }
}
