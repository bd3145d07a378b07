using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// The asynchronous archiving path on a real PostgreSQL 15: the archive_command <c>wal archiver --print-archive-command</c>
/// prints (copy, fsync, rename, fsync the folder into the spool) and the resident archiver.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalSpoolTests
{
    [Fact]
    public async Task The_archive_command_fails_while_the_spool_cannot_be_written_and_the_segment_is_archived_once_it_can()
    {
        await using var cluster = await PitrTestCluster.StartOnDiskAsync();
        var spool = Path.Combine(cluster.Root, "spool");
        Directory.CreateDirectory(spool);
        File.SetUnixFileMode(spool, (UnixFileMode)0b111_000_000);   // root's: the server (postgres) cannot write into it

        using var cli = new Cli.CliRunner();
        var printed = await cli.RunAsync("wal", "archiver", "--spool", spool, "--print-archive-command");
        Assert.Equal(0, printed.ExitCode);
        var command = printed.Output.Trim();
        Assert.Equal(WalSpoolArchiver.ArchiveCommand(spool), command);
        await cluster.ExecuteAsync($"ALTER SYSTEM SET archive_command = '{command.Replace("'", "''", StringComparison.Ordinal)}'");
        await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        var failedBefore = long.Parse(await cluster.ScalarAsync("SELECT failed_count FROM pg_stat_archiver"), System.Globalization.CultureInfo.InvariantCulture);

        await cluster.ExecuteAsync("CREATE TABLE spooled (n int)");
        await cluster.ExecuteAsync("INSERT INTO spooled VALUES (1)");
        var segment = await cluster.ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        await Eventually.WaitUntilAsync(async () => await cluster.ScalarAsync("SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver") == segment, TimeSpan.FromSeconds(60));

        // Failed, so PostgreSQL keeps the segment and retries: it is neither counted as archived nor anywhere in the spool.
        Assert.True(long.Parse(await cluster.ScalarAsync("SELECT failed_count FROM pg_stat_archiver"), System.Globalization.CultureInfo.InvariantCulture) > failedBefore);
        Assert.True(string.CompareOrdinal(await cluster.ScalarAsync("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), segment) < 0);
        Assert.Empty(Directory.EnumerateFileSystemEntries(spool));

        // Once the spool can be written, the retry spools it, and the archiver pushes it and empties the spool.
        await ProcessRunner.RunAsync("chown", ["postgres:postgres", spool]);
        await cluster.ExecuteAsync("INSERT INTO spooled VALUES (2)");
        await cluster.ExecuteAsync("SELECT pg_switch_wal()");
        await cluster.WaitForArchiveAsync(segment);
        Assert.True(File.Exists(Path.Combine(spool, segment)));
        var (archived, failed) = await cluster.Services.GetRequiredService<WalSpoolArchiver>().RunOnceAsync(spool);
        Assert.True(archived >= 1);
        Assert.Equal(0, failed);
        Assert.True(await cluster.Services.GetRequiredService<WalArchive>().ContainsAsync(segment));
        Assert.False(File.Exists(Path.Combine(spool, segment)));
    }
}
