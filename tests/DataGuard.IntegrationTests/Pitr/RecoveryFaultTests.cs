using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Drills;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// Real PostgreSQL 15 recoveries to the latest point whose WAL archive fails in the middle of the sequence: a tampered
/// segment object, an S3 server that answers 503 for one segment, a restore_command that reports a present segment as
/// missing. PostgreSQL must not promote at the segment before; the restore and the physical drill fail naming it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RecoveryFaultTests
{
    [Fact]
    public async Task A_tampered_segment_in_the_middle_aborts_recovery_instead_of_promoting_at_the_segment_before()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(4);
        var victim = segments[1];
        Tamper(Directory.GetFiles(Path.Combine(cluster.StorageRoot, "wal", victim[..8]), victim + "*").Single());

        var dir = cluster.NewCopyDirectory("tampered");
        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(new PitrRestoreRequest
        {
            DataDirectory = dir,
            Target = PitrTarget.Latest,
            RestoreCommand = cluster.RestoreCommand,
            Port = PitrTestCluster.FreePort(),
            Start = true,
            Promote = true,
            WaitTimeout = TimeSpan.FromMinutes(3),
        }));

        Assert.Contains($"wal fetch {victim} FAILED", ex.Message, StringComparison.Ordinal);
        Assert.Contains("failed verification", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("promoted", ex.Message.Replace("not promoted", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        await AssertNotPromotedAsync(dir);
    }

    [Fact]
    public async Task An_S3_outage_on_a_segment_in_the_middle_fails_the_CLI_restore_naming_it_and_nothing_is_promoted()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        var direct = S3Section(bucket, bucket.Server.Endpoint);
        await using var cluster = await PitrTestCluster.StartAsync(direct, b => b.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "prod")));
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(4);
        var victim = segments[1];

        // The same bucket seen through a proxy that answers 503 SlowDown for that one segment, as during an outage.
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) => request.RawUrl!.Contains(victim, StringComparison.Ordinal) ? (503, "SlowDown") : null);
        var config = cluster.WriteConfig("through-proxy.json", new { Postgres = new { cluster.ConnectionString }, Storage = S3Section(bucket, proxy.Endpoint) });
        var dir = cluster.NewCopyDirectory("outage");

        using var cli = new CliRunner();
        var result = await cli.RunAsync(
            "pitr", "restore", "--data-dir", dir, "--latest", "--start", "--promote", "--port", PitrTestCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--restore-command", $"dotnet {PitrTestCluster.Cli} wal fetch %f %p --config {config}", "--config", config);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"wal fetch {victim} FAILED", result.Error, StringComparison.Ordinal);
        Assert.Contains("503 SlowDown", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("promoted;", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(bucket.Server.SecretKey, result.All, StringComparison.Ordinal);
        Assert.True(proxy.Faults > 0);
        await AssertNotPromotedAsync(dir);
    }

    [Fact]
    public async Task A_latest_restore_that_stops_before_the_end_of_the_archive_fails_saying_where_it_stopped_and_where_the_archive_ends()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(4);
        var victim = segments[1];
        var dir = cluster.NewCopyDirectory("hidden");

        var ex = await Assert.ThrowsAsync<PitrRecoveryIncompleteException>(() => cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(new PitrRestoreRequest
        {
            DataDirectory = dir,
            Target = PitrTarget.Latest,
            RestoreCommand = HidingRestoreCommand(cluster, victim),
            Port = PitrTestCluster.FreePort(),
            Start = true,
            Promote = true,
            WaitTimeout = TimeSpan.FromMinutes(3),
        }));

        Assert.Equal(segments[0], ex.ReachedSegment);
        Assert.Equal(segments[^1], ex.ArchiveEnd);
        Assert.Contains($"(segment {segments[0]}), archive ends at {segments[^1]}", ex.Message, StringComparison.Ordinal);
        Assert.False(await PitrTestCluster.IsRunningAsync(dir));
    }

    [Fact]
    public async Task A_physical_drill_fails_when_recovery_cannot_reach_the_end_of_the_archive()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(4);
        var victim = segments[1];
        var options = cluster.Services.GetRequiredService<IOptions<DrillOptions>>().Value;
        options.PhysicalDataRoot = cluster.Root;
        var drills = cluster.Services.GetRequiredService<DrillService>();

        // A restore_command that reports the segment missing: PostgreSQL promotes early, the drill compares and fails.
        options.RestoreCommand = HidingRestoreCommand(cluster, victim);
        var early = await drills.RunPhysicalAsync();
        Assert.False(early.Passed);
        var recovery = Assert.Single(early.Checks, c => c.Name == "recovery");
        Assert.False(recovery.Passed);
        Assert.Contains($"(segment {segments[0]}), archive ends at {segments[^1]}", recovery.Detail, StringComparison.Ordinal);

        // A tampered segment: wal fetch fails, PostgreSQL aborts recovery, the drill fails naming it.
        Tamper(Directory.GetFiles(Path.Combine(cluster.StorageRoot, "wal", victim[..8]), victim + "*").Single());
        options.RestoreCommand = cluster.RestoreCommand;
        var aborted = await drills.RunPhysicalAsync();
        Assert.False(aborted.Passed);
        Assert.Contains($"wal fetch {victim} FAILED", aborted.Error, StringComparison.Ordinal);
        Assert.False(Assert.Single(aborted.Checks, c => c.Name == "recovery").Passed);

        Assert.Empty(Directory.EnumerateDirectories(cluster.Root, "dataguard-drill-*"));
        Assert.Equal([aborted.Id, early.Id], (await drills.ListAsync()).Select(r => r.Id));
    }

    /// <summary>restore_command that says "not archived" (exit 1) for one segment and fetches the others for real.</summary>
    private static string HidingRestoreCommand(PitrTestCluster cluster, string hidden) =>
        $"if [ \"%f\" = \"{hidden}\" ]; then exit 1; fi; {cluster.RestoreCommand}";

    private static object S3Section(TestBucket bucket, string endpoint) => new
    {
        Provider = "S3",
        S3 = new { Bucket = bucket.Name, Prefix = "prod", ServiceUrl = endpoint, AccessKeyId = bucket.Server.AccessKey, SecretAccessKey = bucket.Server.SecretKey, MaxRetries = 1 },
    };

    private static void Tamper(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The copy's server is down and its log shows recovery aborted, never a new timeline (a promotion).</summary>
    private static async Task AssertNotPromotedAsync(string dataDirectory)
    {
        Assert.False(await PitrTestCluster.IsRunningAsync(dataDirectory));
        var log = await File.ReadAllTextAsync(Path.Combine(dataDirectory, "dataguard-recovery.log"));
        Assert.Contains("FATAL:  could not restore file", log, StringComparison.Ordinal);
        Assert.DoesNotContain("selected new timeline ID", log, StringComparison.Ordinal);
        Assert.DoesNotContain("archive recovery complete", log, StringComparison.Ordinal);
    }
}
