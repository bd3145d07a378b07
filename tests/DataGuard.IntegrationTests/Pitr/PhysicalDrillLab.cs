using DataGuard.Backup;
using DataGuard.Postgres.Drills;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>What the physical drill sweep's tests share: a cluster with a base backup and archived WAL, a drill root, a dead drill's lock file, a drill run.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class PhysicalDrillLab
{
    /// <summary>Gets the lock file of a drill process of this host that no longer runs (its id is some process's, its start time none's).</summary>
    public static string DeadDrillOwner => PhysicalDrillOwnership.OwnerText(4242, DataGuard.IO.ProcessIdentity.HostPrefix + "b00000000s1");

    /// <summary>A cluster with a physical base backup and <paramref name="segments"/> archived WAL segments after it.</summary>
    public static async Task<PitrTestCluster> StartAsync(int segments)
    {
        var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        await cluster.WriteSegmentsAsync(segments);
        return cluster;
    }

    /// <summary>A drill root under the cluster's folder (readable by the server's user).</summary>
    public static string NewRoot(PitrTestCluster cluster)
    {
        var root = Path.Combine(cluster.Root, "drills");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        return root;
    }

    /// <summary>Runs a physical drill in <paramref name="root"/>.</summary>
    public static Task<DrillReport> RunDrillAsync(PitrTestCluster cluster, string root)
    {
        var options = cluster.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
        options.PhysicalDataRoot = root;
        options.RestoreCommand = cluster.RestoreCommand;
        return cluster.Services.GetRequiredService<DrillService>().RunPhysicalAsync();
    }
}
