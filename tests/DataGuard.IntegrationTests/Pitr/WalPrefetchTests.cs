using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// Real PostgreSQL 15 recoveries through the prefetching restore_command (the shell fast path plus the background
/// `dataguard wal prefetch`): the target is reached exactly; a storage that goes away mid-prefetch, a tampered segment
/// and a prefetcher killed mid-download all end in an aborted recovery or a correct one, never an early promotion or a
/// partial file; the spool in pg_wal is removed when recovery ends.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalPrefetchTests
{
    private static readonly Regex Stopped = new(@"wal prefetch stopped: (?<reason>[^;]+); (?<prefetched>\d+) segments prefetched, (?<taken>\d+) taken by recovery", RegexOptions.CultureInvariant);

    [Fact]
    public async Task A_restore_through_the_prefetcher_stops_exactly_at_its_target_and_removes_the_spool()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        await cluster.WriteSegmentsAsync(10);
        await cluster.Services.GetRequiredService<RestorePoints>().MarkAsync("after-ten");
        await cluster.WriteSegmentsAsync(6);
        var dir = cluster.NewCopyDirectory("prefetched");
        var port = PitrTestCluster.FreePort();

        await cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(Request(dir, port, PitrTarget.AtRestorePoint("after-ten"), FastRestoreCommand(cluster.Config)));

        Assert.Equal("10", await CopyScalarAsync(cluster, port, "SELECT max(n) FROM markers"));
        Assert.Contains("/.dataguard-prefetch/$b", await File.ReadAllTextAsync(Path.Combine(dir, "postgresql.auto.conf")), StringComparison.Ordinal);
        Assert.Contains("${p%%/*}", await File.ReadAllTextAsync(Path.Combine(dir, "postgresql.auto.conf")), StringComparison.Ordinal);
        var stopped = await WaitForSpoolRemovedAsync(dir);
        Assert.StartsWith("recovery ended", stopped.Groups["reason"].Value, StringComparison.Ordinal);

        // The lock file stays (flock on a file that is never deleted): a prefetcher that locked it just as this one let
        // go must not be joined by another that locks a new file of the same name.
        var lockFile = Path.Combine(dir, "pg_wal", WalPrefetchSpool.FolderName + ".lock");
        Assert.True(File.Exists(lockFile), $"{lockFile} was deleted when the prefetcher stopped");
        using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // Free: the prefetcher that held it has ended.
        }
        Assert.True(int.Parse(stopped.Groups["taken"].Value, CultureInfo.InvariantCulture) > 0, stopped.Value);
    }

    [Fact]
    public async Task A_storage_that_goes_away_mid_prefetch_aborts_recovery_instead_of_promoting_and_the_spool_is_removed()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await using var cluster = await PitrTestCluster.StartAsync(S3Section(bucket, bucket.Server.Endpoint), b => b.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "prod")));
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(12);

        // The archive seen through a proxy that makes each WAL download slow, so the prefetcher is mid-download when the storage goes.
        var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) => SlowWal(request, 400));
        var config = cluster.WriteConfig("through-proxy.json", new { Storage = S3Section(bucket, proxy.Endpoint), Pitr = new { WalPrefetch = 2 } });
        var dir = cluster.NewCopyDirectory("outage");
        var gone = false;
        try
        {
            var restoring = cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(Request(dir, PitrTestCluster.FreePort(), PitrTarget.Latest, FastRestoreCommand(config)));
            await Eventually.WaitUntilAsync(() => Task.FromResult(RestoredCount(dir) >= 3 && Pending(dir).Any()), TimeSpan.FromMinutes(2));
            await proxy.DisposeAsync();
            gone = true;

            var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => restoring);
            Assert.True(ex.Message.Contains("FAILED (exit 200", StringComparison.Ordinal), $"{ex.Message}\n--- server log:\n{ReadShared(Path.Combine(dir, "dataguard-recovery.log"))}");
            Assert.True(RestoredCount(dir) < segments.Count, "recovery must stop before the end of the archive");
        }
        finally
        {
            if (!gone)
            {
                await proxy.DisposeAsync();
            }
        }

        await AssertNotPromotedAsync(dir);
        await WaitForSpoolRemovedAsync(dir);
    }

    [Fact]
    public async Task A_tampered_segment_aborts_recovery_through_the_fast_path_and_is_never_handed_to_PostgreSQL()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(10);
        var victim = segments[6];
        var stored = Directory.GetFiles(Path.Combine(cluster.StorageRoot, "wal", victim[..8]), victim + "*").Single();
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(stored, bytes);
        var dir = cluster.NewCopyDirectory("tampered");

        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(Request(dir, PitrTestCluster.FreePort(), PitrTarget.Latest, FastRestoreCommand(cluster.Config))));

        Assert.Contains($"wal fetch {victim} FAILED", ex.Message, StringComparison.Ordinal);
        Assert.Contains("failed verification", ex.Message, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(Path.Combine(dir, "dataguard-recovery.log"));
        Assert.DoesNotContain($"restored log file \"{victim}\"", log, StringComparison.Ordinal);
        Assert.Contains($"restored log file \"{segments[5]}\"", log, StringComparison.Ordinal);
        await AssertNotPromotedAsync(dir);
        await WaitForSpoolRemovedAsync(dir);
    }

    [Fact]
    public async Task A_prefetcher_killed_mid_download_hands_PostgreSQL_no_partial_file_and_recovery_completes()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await using var cluster = await PitrTestCluster.StartAsync(S3Section(bucket, bucket.Server.Endpoint), b => b.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "prod")));
        await cluster.Services.GetRequiredService<BackupService>().RunAsync("physical");
        var segments = await cluster.WriteSegmentsAsync(12);
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) => SlowWal(request, 600));
        var config = cluster.WriteConfig("through-proxy.json", new { Storage = S3Section(bucket, proxy.Endpoint) });
        var dir = cluster.NewCopyDirectory("killed");
        var port = PitrTestCluster.FreePort();

        var restoring = cluster.Services.GetRequiredService<PitrRestoreService>().RestoreAsync(Request(dir, port, PitrTarget.Latest, FastRestoreCommand(config)));
        var lockFile = Path.Combine(dir, "pg_wal", WalPrefetchSpool.FolderName + ".lock");
        var pid = 0;
        await Eventually.WaitUntilAsync(
            async () =>
            {
                // The prefetcher holds its lock file exclusively (flock, which .NET's own readers honour): read its pid with cat.
                pid = Pending(dir).Any() && File.Exists(lockFile) && int.TryParse((await ProcessRunner.RunAsync("cat", [lockFile])).Output.Trim(), CultureInfo.InvariantCulture, out var p) ? p : 0;
                return pid > 0;
            },
            TimeSpan.FromMinutes(2));
        var downloading = Pending(dir).Select(p => Path.GetFileName(p)).ToList();
        using (var victim = System.Diagnostics.Process.GetProcessById(pid))
        {
            victim.Kill();   // SIGKILL, mid-download: a .pending marker and a partial temporary file stay behind
            await victim.WaitForExitAsync();
        }

        var result = await restoring;

        Assert.NotEmpty(downloading);
        Assert.Equal("promoted", result.State);
        Assert.Equal("12", await CopyScalarAsync(cluster, port, "SELECT max(n) FROM markers"));
        var log = await File.ReadAllTextAsync(Path.Combine(dir, "dataguard-recovery.log"));
        foreach (var segment in segments[..^1])
        {
            Assert.Contains($"restored log file \"{segment}\"", log, StringComparison.Ordinal);
        }

        var stopped = await WaitForSpoolRemovedAsync(dir);   // the prefetcher the next miss started
        Assert.StartsWith("recovery ended", stopped.Groups["reason"].Value, StringComparison.Ordinal);
    }

    internal static string FastRestoreCommand(string config) => WalPrefetchSpool.FastRestoreCommand($"dotnet {PitrTestCluster.Cli} wal fetch %f %p --config {config}");

    private static PitrRestoreRequest Request(string dir, int port, PitrTarget target, string restoreCommand) => new()
    {
        DataDirectory = dir,
        Target = target,
        RestoreCommand = restoreCommand,
        Port = port,
        Start = true,
        Promote = true,
        WaitTimeout = TimeSpan.FromMinutes(4),
    };

    /// <summary>Delays every download of a WAL segment object by <paramref name="milliseconds"/> (a slow storage), faults nothing.</summary>
    private static (int, string)? SlowWal(System.Net.HttpListenerRequest request, int milliseconds)
    {
        if (request.HttpMethod == "GET" && Regex.IsMatch(request.RawUrl ?? string.Empty, "/wal/[0-9A-F]{8}/[0-9A-F]{24}"))
        {
            Thread.Sleep(milliseconds);
        }

        return null;
    }

    private static int RestoredCount(string dir)
    {
        var log = Path.Combine(dir, "dataguard-recovery.log");
        return File.Exists(log) ? Regex.Count(ReadShared(log), "restored log file \"[0-9A-F]{24}\"") : 0;
    }

    private static IEnumerable<string> Pending(string dir)
    {
        var spool = Path.Combine(dir, "pg_wal", WalPrefetchSpool.FolderName);
        try
        {
            return Directory.Exists(spool) ? Directory.EnumerateFiles(spool, "*.pending", SearchOption.AllDirectories).ToList() : [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Waits until the spool is gone from pg_wal, and returns the prefetcher's last words in the server's log.</summary>
    private static async Task<Match> WaitForSpoolRemovedAsync(string dir)
    {
        await Eventually.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(Path.Combine(dir, "pg_wal", WalPrefetchSpool.FolderName))), TimeSpan.FromSeconds(60));
        Match? last = null;
        await Eventually.WaitUntilAsync(
            () =>
            {
                last = Stopped.Matches(ReadShared(Path.Combine(dir, "dataguard-recovery.log"))).LastOrDefault();
                return Task.FromResult(last is not null);
            },
            TimeSpan.FromSeconds(10));
        return last!;
    }

    private static async Task<string> CopyScalarAsync(PitrTestCluster cluster, int port, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.CopyConnection(port));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
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

    private static object S3Section(TestBucket bucket, string endpoint) => new
    {
        Provider = "S3",
        S3 = new { Bucket = bucket.Name, Prefix = "prod", ServiceUrl = endpoint, AccessKeyId = bucket.Server.AccessKey, SecretAccessKey = bucket.Server.SecretKey, MaxRetries = 1 },
    };
}
