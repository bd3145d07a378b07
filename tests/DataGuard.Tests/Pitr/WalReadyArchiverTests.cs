using System.Diagnostics;
using DataGuard.IO;
using DataGuard.Pitr;
using DataGuard.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.Tests.Pitr;

/// <summary>
/// Look-ahead archiving without a server: a data directory's pg_wal with files marked ready, the archiver pushing them
/// to a folder-backed archive, and its archive_command run by /bin/sh as PostgreSQL runs it (%p, %f, %% expanded, in
/// the data directory).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WalReadyArchiverTests : IDisposable
{
    private const string Segment = "000000010000000000000007";
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-ready-").FullName;
    private readonly string _data;
    private readonly string _records;
    private readonly WalArchive _archive;
    private readonly WalReadyArchiver _archiver;

    public WalReadyArchiverTests()
    {
        _data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        Directory.CreateDirectory(Path.Combine(_data, "pg_wal", "archive_status"));
        _records = Directory.CreateDirectory(Path.Combine(_root, "records with 'quote' $(touch injected) `x` %p")).FullName;
        _archive = LocalWalArchive.Create(Path.Combine(_root, "archive"));
        _archiver = new WalReadyArchiver(_archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_version_is_what_stat_prints()
    {
        var file = await ReadyAsync(Segment, "segment");
        var (code, output, _) = await ShellAsync($"stat -c '%i %.9Y %.9Z %s' '{file}'");
        Assert.Equal(0, code);
        Assert.Equal(output.TrimEnd('\n'), NativeStat.VersionOf(file)?.ToString());
    }

    [Fact]
    public async Task The_version_is_what_stat_prints_for_whole_seconds_and_the_largest_values_in_any_culture()
    {
        // A time on a whole second (nanoseconds 0: stat still prints nine zeros), as a file touched to a whole second has.
        var file = await ReadyAsync(Segment, "segment");
        using (var touch = System.Diagnostics.Process.Start("touch", ["-m", "-d", "@1764547200", file])!)
        {
            await touch.WaitForExitAsync();
            Assert.Equal(0, touch.ExitCode);
        }

        var (code, output, _) = await ShellAsync($"stat -c '%i %.9Y %.9Z %s' '{file}'");
        Assert.Equal(0, code);
        Assert.Contains(" 1764547200.000000000 ", output, StringComparison.Ordinal);
        Assert.Equal(output.TrimEnd('\n'), NativeStat.VersionOf(file)?.ToString());

        // Digits only, whatever the culture's digits and group separators.
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("ar-SA");
            Assert.Equal("18446744073709551615 9223372036.000000000 1.999999999 18446744073709551615", new FileVersion(ulong.MaxValue, 9_223_372_036, 0, 1, 999_999_999, ulong.MaxValue).ToString());
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task A_ready_file_is_pushed_recorded_and_then_accepted_by_the_archive_command_and_nothing_else_is()
    {
        await ReadyAsync(Segment, "segment 7");
        await ReadyAsync("00000002.history", "1\t0/3000000\tno recovery target specified\n");
        await File.WriteAllTextAsync(Path.Combine(_data, "pg_wal", "archive_status", "README.ready"), string.Empty);   // not a WAL name: never pushed
        await File.WriteAllTextAsync(Path.Combine(_data, "pg_wal", "000000010000000000000008"), "not ready yet");

        // Before the archiver ran (no heartbeat), the command fails at once, saying why; PostgreSQL keeps the file.
        var (before, _, error) = await ArchiveCommandAsync(Segment);
        Assert.Equal(1, before);
        Assert.Contains($"{Segment} not archived: wal archiver --pg-data not running", error, StringComparison.Ordinal);

        Assert.Equal((2, 0), await _archiver.RunOnceAsync(_data, _records));

        Assert.True(await _archive.ContainsAsync(Segment));
        Assert.True(await _archive.ContainsAsync("00000002.history"));
        Assert.False(await _archive.ContainsAsync("000000010000000000000008"));
        Assert.Equal(0, (await ArchiveCommandAsync(Segment)).Code);
        Assert.Equal(0, (await ArchiveCommandAsync("00000002.history")).Code);
        Assert.False(File.Exists(Path.Combine(_root, "injected")));
        Assert.Equal((0, 0), await _archiver.RunOnceAsync(_data, _records));   // recorded with its version: not pushed again
    }

    [Fact]
    public async Task A_record_of_another_file_under_the_same_name_is_never_taken_for_this_one()
    {
        // An earlier cluster's record, or a recycled segment's: same name, another inode, time or size.
        var file = await ReadyAsync(Segment, "this cluster's segment");
        await File.WriteAllTextAsync(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix), "1 1700000000.000000000 22\n");
        Assert.Equal(1, (await ArchiveCommandAsync(Segment)).Code);
        Assert.False(await _archive.ContainsAsync(Segment));

        // The same inode and size rewritten later (PostgreSQL recycling a segment in place) is another version too.
        Assert.Equal((1, 0), await _archiver.RunOnceAsync(_data, _records));
        Assert.Equal(0, (await ArchiveCommandAsync(Segment)).Code);
        await File.WriteAllTextAsync(file, "this cluster's segmenT");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(1, (await ArchiveCommandAsync(Segment)).Code);
    }

    [Fact]
    public async Task Records_of_files_no_longer_ready_are_removed_and_a_missing_ready_file_fails_without_a_record()
    {
        await ReadyAsync(Segment, "segment 7");
        Assert.Equal((1, 0), await _archiver.RunOnceAsync(_data, _records));
        Assert.True(File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)));

        // PostgreSQL took it (.ready renamed to .done): the next pass removes the record.
        File.Move(Path.Combine(_data, "pg_wal", "archive_status", Segment + ".ready"), Path.Combine(_data, "pg_wal", "archive_status", Segment + ".done"));
        await File.WriteAllTextAsync(Path.Combine(_data, "pg_wal", "archive_status", "000000010000000000000009.ready"), string.Empty);   // its file is gone
        Assert.Equal((0, 1), await _archiver.RunOnceAsync(_data, _records));
        Assert.False(File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)));
        Assert.False(File.Exists(Path.Combine(_records, "000000010000000000000009" + WalReadyArchiver.RecordSuffix)));
        Assert.Empty(Directory.EnumerateFiles(_records, ".*.tmp"));   // no temporary record left behind
    }

    [Fact]
    public async Task A_file_archived_before_with_other_content_is_refused_and_not_recorded()
    {
        var other = Path.Combine(_root, Segment);
        await File.WriteAllTextAsync(other, "another cluster's segment");
        await _archive.PushAsync(other);
        await ReadyAsync(Segment, "this cluster's segment");

        Assert.Equal((0, 1), await _archiver.RunOnceAsync(_data, _records));
        Assert.False(File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)));

        // The archiver runs (its heartbeat is fresh): the command waits its time, then says the archiver's last error.
        var (code, _, error) = await ArchiveCommandAsync(Segment);
        Assert.Equal(1, code);
        Assert.Contains($"{Segment} not archived: no record from wal archiver in 1 s; its last error: ", error, StringComparison.Ordinal);
        Assert.Contains("different", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_stale_heartbeat_ends_the_wait_at_once()
    {
        await ReadyAsync(Segment, "segment 7");
        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - WalReadyArchiver.HeartbeatStaleSeconds - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        var started = Stopwatch.StartNew();
        var (code, _, error) = await ShellAsync(WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(30)), Path.Combine("pg_wal", Segment), Segment));
        Assert.Equal(1, code);
        Assert.Contains("not running", error, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"the command waited {started.Elapsed} for an archiver that is not running");

        // Garbage instead of a time is no heartbeat either.
        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), "$(touch injected)\n");
        Assert.Contains("not running", (await ArchiveCommandAsync(Segment)).Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_data, "injected")));
    }

    [Fact]
    public async Task A_heartbeat_from_the_future_is_stale_too()
    {
        // The archiver stopped, then the clock was stepped back (NTP after a boot with a wrong clock, a VM restored): its
        // last heartbeat lies ahead of now. Every attempt would otherwise wait its full time for as long as the step.
        await ReadyAsync(Segment, "segment 7");
        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        var started = Stopwatch.StartNew();
        var (code, _, error) = await ShellAsync(WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(30)), Path.Combine("pg_wal", Segment), Segment));
        Assert.Equal(1, code);
        Assert.Contains("not running", error, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"the command waited {started.Elapsed} on a heartbeat from the future");
    }

    [Fact]
    public async Task The_last_error_reaches_PostgreSQLs_log_as_written_without_escapes_or_control_characters()
    {
        // /bin/sh is dash on Debian: its echo reads \n and \c in the text as escapes (a forged log line, a cut message).
        await ReadyAsync(Segment, "segment 7");
        await File.WriteAllTextAsync(Path.Combine(_records, Segment + WalReadyArchiver.ErrorSuffix), "S3 said C:\\new\\cut\\c and more\n");
        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        var (code, _, error) = await ArchiveCommandAsync(Segment);
        Assert.Equal(1, code);
        Assert.Contains("its last error: S3 said C:\\new\\cut\\c and more\n", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // What the archiver writes there is one line of printable text, whatever the exception said.
        Assert.Equal("a b [31mred c", WalReadyArchiver.OneLine("a\r\nb \u001b[31mred\tc\n"));
    }

    [Fact]
    public async Task A_second_archiver_on_the_records_folder_is_refused_and_leaves_the_first_ones_records()
    {
        // Another data directory's archiver given the same folder would delete this one's records (not ready there) and,
        // with its heartbeat, keep this server's archive_command waiting whenever this archiver is stopped.
        await ReadyAsync(Segment, "segment 7");
        using var stop = new CancellationTokenSource();
        var running = _archiver.RunAsync(_data, _records, 2, TimeSpan.FromMilliseconds(20), stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)) && DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        var other = Directory.CreateDirectory(Path.Combine(_root, "other", "pg_wal", "archive_status")).Parent!.Parent!.FullName;
        var refused = await Assert.ThrowsAsync<DataGuardException>(() => _archiver.RunOnceAsync(other, _records));
        Assert.Contains("Another WAL archiver is using the records folder", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)));
        Assert.Equal(0, (await ArchiveCommandAsync(Segment)).Code);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal((0, 0), await _archiver.RunOnceAsync(other, _records));   // free once the first one stopped
    }

    [Fact]
    public async Task A_fifo_planted_as_a_record_blocks_neither_the_command_nor_the_archiver()
    {
        await ReadyAsync(Segment, "segment 7");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix) } })!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        Assert.Equal(1, (await ArchiveCommandAsync(Segment)).Code);   // ends after its 1 s, no read of the FIFO

        Assert.Equal((1, 0), await _archiver.RunOnceAsync(_data, _records).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, (await ArchiveCommandAsync(Segment)).Code);
    }

    [Fact]
    public async Task A_records_folder_other_users_can_write_is_refused()
    {
        await ReadyAsync(Segment, "segment 7");
        File.SetUnixFileMode(_records, (UnixFileMode)0b111_111_111);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => _archiver.RunOnceAsync(_data, _records));
        Assert.Contains("writable by other users (mode 777)", refused.Message, StringComparison.Ordinal);
        Assert.False(await _archive.ContainsAsync(Segment));
    }

    [Fact]
    public async Task A_spool_given_as_the_records_folder_keeps_its_spooled_WAL()
    {
        // The folder the spool archiver used (the option is --spool in both modes): PostgreSQL counted its files archived
        // when they were copied there, so they exist nowhere else until pushed. Deleting them as stale records loses WAL.
        const string Spooled = "000000010000000000000005";
        await File.WriteAllTextAsync(Path.Combine(_records, Spooled), "spooled segment, not pushed yet");
        await ReadyAsync(Segment, "segment 7");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _archiver.RunOnceAsync(_data, _records));
        Assert.Equal("spooled segment, not pushed yet", await File.ReadAllTextAsync(Path.Combine(_records, Spooled)));
        Assert.False(await _archive.ContainsAsync(Segment));
    }

    [Fact]
    public async Task Records_are_not_WAL_to_a_spool_archiver_given_the_records_folder()
    {
        await ReadyAsync(Segment, "segment 7");
        Assert.Equal((1, 0), await _archiver.RunOnceAsync(_data, _records));

        // A spool archiver left running on the same folder must not push a record as the segment it names.
        var spool = new WalSpoolArchiver(_archive, NullLogger<WalSpoolArchiver>.Instance, TimeProvider.System);
        Assert.Equal((0, 0), await spool.RunOnceAsync(_records));
        Assert.Equal(0, (await ArchiveCommandAsync(Segment)).Code);
    }

    [Fact]
    public async Task The_resident_archiver_outlives_a_data_directory_that_is_briefly_gone()
    {
        // A cluster re-created in place (initdb), or a data directory restored: pg_wal/archive_status is missing for a
        // while. The archiver goes on and pushes what the new cluster marks ready.
        using var stop = new CancellationTokenSource();
        var running = _archiver.RunAsync(_data, _records, 2, TimeSpan.FromMilliseconds(20), stop.Token);
        Directory.Delete(Path.Combine(_data, "pg_wal"), recursive: true);
        await Task.Delay(300);
        Assert.False(running.IsCompleted, running.Exception?.InnerException?.Message);
        Directory.CreateDirectory(Path.Combine(_data, "pg_wal", "archive_status"));
        await ReadyAsync(Segment, "the new cluster's segment");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)) && DateTime.UtcNow < deadline && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task A_records_folder_of_another_user_is_refused()
    {
        // Only the archiver's user (or root) may own the folder: its owner could plant records even in a 755 folder.
        await ReadyAsync(Segment, "segment 7");
        using (var chown = Process.Start(new ProcessStartInfo("chown") { ArgumentList = { "nobody", _records } })!)
        {
            await chown.WaitForExitAsync();
            Assert.Equal(0, chown.ExitCode);
        }
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => _archiver.RunOnceAsync(_data, _records));
        Assert.Contains("belongs to another user", refused.Message, StringComparison.Ordinal);
        Assert.False(await _archive.ContainsAsync(Segment));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Archive_commands_fit_what_PostgreSQL_15_runs_whole_or_are_refused_naming_the_limit(bool lookAhead)
    {
        // PostgreSQL 15 cuts archive_command at 1,023 bytes once %p and %f are filled in; the shell then fails every time.
        static string Command(bool lookAhead, string folder) => lookAhead ? WalReadyArchiver.ArchiveCommand(folder) : WalSpoolArchiver.ArchiveCommand(folder);
        var usual = "/var/lib/postgresql/dataguard/" + new string('a', 80);
        var expanded = WalSpoolCommandTests.PostgresExpand(Command(lookAhead, usual), "pg_wal/000000010000000000000007.00000028.backup", "000000010000000000000007.00000028.backup");
        Assert.True(expanded.Length <= 1023, $"{expanded.Length} bytes: {expanded}");

        var refused = Assert.Throws<ArgumentException>(() => Command(lookAhead, "/" + new string('a', 800)));
        Assert.Contains("PostgreSQL 15 cuts it at 1023", refused.Message, StringComparison.Ordinal);
    }

    private async Task<string> ReadyAsync(string name, string content)
    {
        var file = Path.Combine(_data, "pg_wal", name);
        await File.WriteAllTextAsync(file, content);
        await File.WriteAllTextAsync(Path.Combine(_data, "pg_wal", "archive_status", name + ".ready"), string.Empty);
        return file;
    }

    private Task<(int Code, string Output, string Error)> ArchiveCommandAsync(string name) =>
        ShellAsync(WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(1)), Path.Combine("pg_wal", name), name));

    private Task<(int Code, string Output, string Error)> ShellAsync(string command) => Shell.RunAsync(_data, command);
}
