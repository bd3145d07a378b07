using System.Globalization;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// Look-ahead archiving on a real PostgreSQL 15: the archive_command <c>wal archiver --pg-data --print-archive-command</c>
/// prints only waits for the resident archiver's record, so a segment is counted archived only once it is in storage.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WalLookAheadTests
{
    [Fact]
    public async Task Without_the_archiver_or_with_a_stale_record_PostgreSQL_keeps_the_segment_and_archives_it_once_the_archiver_runs()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        var data = Path.Combine(cluster.StateDir, "pg", "data");
        var records = Path.Combine(cluster.Root, "records");
        Directory.CreateDirectory(records);
        File.SetUnixFileMode(records, (UnixFileMode)0b111_101_101);

        using var cli = new Cli.CliRunner();
        var printed = await cli.RunAsync("wal", "archiver", "--spool", records, "--pg-data", data, "--print-archive-command");
        Assert.Equal(0, printed.ExitCode);
        Assert.Equal(WalReadyArchiver.ArchiveCommand(records), printed.Output.Trim());

        // A 2-second wait per attempt instead of 60, so that PostgreSQL's failures come quickly here.
        await cluster.ExecuteAsync($"ALTER SYSTEM SET archive_command = '{WalReadyArchiver.ArchiveCommand(records, TimeSpan.FromSeconds(2)).Replace("'", "''", StringComparison.Ordinal)}'");
        await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        await cluster.ExecuteAsync("CREATE TABLE ahead (n int)");
        await cluster.ExecuteAsync("INSERT INTO ahead VALUES (1)");
        var segment = await cluster.ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        await Eventually.WaitUntilAsync(async () => await cluster.ScalarAsync("SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver") == segment, TimeSpan.FromSeconds(60));
        Assert.True(string.CompareOrdinal(await cluster.ScalarAsync("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), segment) < 0);
        var archive = cluster.Services.GetRequiredService<WalArchive>();
        Assert.False(await archive.ContainsAsync(segment));
        Assert.True(File.Exists(Path.Combine(data, "pg_wal", "archive_status", segment + ".ready")));

        // A record of another file under that name (an earlier cluster's) is refused too.
        await File.WriteAllTextAsync(Path.Combine(records, segment + WalReadyArchiver.RecordSuffix), "1 1700000000.000000000 16777216\n");
        File.SetUnixFileMode(Path.Combine(records, segment + WalReadyArchiver.RecordSuffix), (UnixFileMode)0b110_100_100);
        var failed = FailedCount(await cluster.ScalarAsync("SELECT failed_count FROM pg_stat_archiver"));
        await cluster.ExecuteAsync("INSERT INTO ahead VALUES (2)");
        await cluster.ExecuteAsync("SELECT pg_switch_wal()");   // a new ready file wakes PostgreSQL's archiver up
        await Eventually.WaitUntilAsync(async () => FailedCount(await cluster.ScalarAsync("SELECT failed_count FROM pg_stat_archiver")) > failed, TimeSpan.FromSeconds(60));
        Assert.True(string.CompareOrdinal(await cluster.ScalarAsync("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), segment) < 0);
        Assert.False(await archive.ContainsAsync(segment));

        // The archiver pushes what is ready; PostgreSQL's next attempt finds the record and counts the file archived.
        using var stop = new CancellationTokenSource();
        var running = cluster.Services.GetRequiredService<WalReadyArchiver>().RunAsync(data, records, parallelism: 2, TimeSpan.FromMilliseconds(50), stop.Token);
        await cluster.ExecuteAsync("INSERT INTO ahead VALUES (3)");
        var last = await cluster.ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        await cluster.WaitForArchiveAsync(last);
        Assert.True(await archive.ContainsAsync(segment));
        Assert.True(await archive.ContainsAsync(last));

        // Once PostgreSQL marked them done, their records go.
        await Eventually.WaitUntilAsync(() => Task.FromResult(!File.Exists(Path.Combine(records, segment + WalReadyArchiver.RecordSuffix)) && !File.Exists(Path.Combine(records, last + WalReadyArchiver.RecordSuffix))), TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private static long FailedCount(string value) => long.Parse(value, CultureInfo.InvariantCulture);
}
