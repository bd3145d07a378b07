using System.Diagnostics;
using DataGuard.Pitr;
using DataGuard.Testing;

namespace DataGuard.Tests.Pitr;

/// <summary>
/// The shell commands PostgreSQL runs, run by /bin/sh here exactly as PostgreSQL does (with %f and %p substituted, in
/// the data directory): restore_command's prefetch fast path and the spool archive_command.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalSpoolCommandTests : IDisposable
{
    private const string Segment = "000000010000000000000007";
    private readonly string _data = Directory.CreateTempSubdirectory("dataguard-spool-").FullName;

    public WalSpoolCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_data, "pg_wal"));
    }

    private static string Segments => Path.Combine("pg_wal", WalPrefetchSpool.FolderName, WalPrefetchSpool.BootId()!);

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_prefetched_segment_is_renamed_into_place_without_running_the_fetch()
    {
        Directory.CreateDirectory(Path.Combine(_data, Segments));
        await File.WriteAllTextAsync(Path.Combine(_data, Segments, Segment), "verified");

        var (code, output) = await RestoreAsync(Segment);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, output);   // the fallback never ran
        Assert.Equal("verified", await File.ReadAllTextAsync(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));
        Assert.False(File.Exists(Path.Combine(_data, Segments, Segment)));
    }

    [Fact]
    public async Task The_fast_path_finds_the_spool_next_to_the_destination_whatever_the_working_directory()
    {
        Directory.CreateDirectory(Path.Combine(_data, Segments));
        await File.WriteAllTextAsync(Path.Combine(_data, Segments, Segment), "verified");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_data, "elsewhere")).FullName;

        var (code, output) = await RestoreAsync(Segment, destination: Path.Combine(_data, "pg_wal", "RECOVERYXLOG"), workingDirectory: elsewhere);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, output);   // the fallback never ran
        Assert.Equal("verified", await File.ReadAllTextAsync(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));
    }

    [Fact]
    public async Task A_segment_the_spool_lacks_goes_to_the_fetch_whose_exit_status_is_the_answer()
    {
        Directory.CreateDirectory(Path.Combine(_data, Segments));

        // A partial download (dot-prefixed) and another segment are there; neither is ever taken for this one.
        await File.WriteAllTextAsync(Path.Combine(_data, Segments, $".{Segment}.dataguard-0123"), "partial");
        await File.WriteAllTextAsync(Path.Combine(_data, Segments, "000000020000000000000007"), "other timeline");

        var (code, output) = await RestoreAsync(Segment, fallbackExit: 200);

        Assert.Equal(200, code);
        Assert.Equal($"fetch {Segment}", output.Trim());
        Assert.False(File.Exists(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));
    }

    [Fact]
    public async Task A_segment_being_prefetched_is_waited_for()
    {
        Directory.CreateDirectory(Path.Combine(_data, Segments));
        var pending = Path.Combine(_data, Segments, Segment + ".pending");
        await File.WriteAllTextAsync(pending, string.Empty);
        var restoring = RestoreAsync(Segment);
        await Task.Delay(300);
        var temp = Path.Combine(_data, Segments, $".{Segment}.dataguard-1");
        await File.WriteAllTextAsync(temp, "verified");
        File.Move(temp, Path.Combine(_data, Segments, Segment));
        File.Delete(pending);

        var (code, output) = await restoring;

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal("verified", await File.ReadAllTextAsync(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));
    }

    [Fact]
    public async Task Without_a_spool_the_fetch_runs()
    {
        var (code, output) = await RestoreAsync(Segment);

        Assert.Equal(0, code);
        Assert.Equal($"fetch {Segment}", output.Trim());
    }

    [Fact]
    public async Task The_archive_command_copies_durably_into_the_spool_and_succeeds_again_on_a_retry()
    {
        var spool = Path.Combine(_data, "spool");
        Directory.CreateDirectory(spool);
        var wal = Path.Combine(_data, "pg_wal", Segment);
        await File.WriteAllTextAsync(wal, "segment");
        var command = PostgresExpand(WalSpoolArchiver.ArchiveCommand(spool), $"pg_wal/{Segment}", Segment);

        Assert.Equal(0, (await ShellAsync(command)).Code);
        Assert.Equal("segment", await File.ReadAllTextAsync(Path.Combine(spool, Segment)));
        Assert.Equal([Segment], Directory.EnumerateFiles(spool).Select(Path.GetFileName));
        Assert.Equal(0, (await ShellAsync(command)).Code);   // PostgreSQL retrying after a crash

        // A spool that is not there (or cannot be written): non-zero, so PostgreSQL keeps the segment and retries.
        Directory.Delete(spool, recursive: true);
        Assert.NotEqual(0, (await ShellAsync(command)).Code);
    }

    [Fact]
    public async Task The_archive_command_fails_for_a_segment_whose_content_differs_from_the_one_already_spooled()
    {
        var spool = Path.Combine(_data, "spool");
        Directory.CreateDirectory(spool);
        var wal = Path.Combine(_data, "pg_wal", Segment);
        await File.WriteAllTextAsync(wal, "first version");
        var command = PostgresExpand(WalSpoolArchiver.ArchiveCommand(spool), $"pg_wal/{Segment}", Segment);
        Assert.Equal(0, (await ShellAsync(command)).Code);

        // Same name, other content: PostgreSQL would recycle the segment on a 0, losing this version.
        await File.WriteAllTextAsync(wal, "second version");
        Assert.NotEqual(0, (await ShellAsync(command)).Code);
        Assert.Equal("first version", await File.ReadAllTextAsync(Path.Combine(spool, Segment)));

        // Same content again (a retry after a crash): succeeds, and leaves no temporary copy behind.
        await File.WriteAllTextAsync(wal, "first version");
        Assert.Equal(0, (await ShellAsync(command)).Code);
        Assert.Equal([Segment], Directory.EnumerateFiles(spool).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("data guard")]
    [InlineData("x;touch injected;y")]
    [InlineData("it's \"q\" 100%")]
    [InlineData("$(touch injected)")]
    [InlineData("`touch injected`")]
    public async Task A_spool_path_with_spaces_quotes_percent_or_shell_syntax_is_used_as_is_and_never_executed(string folder)
    {
        var spool = Path.Combine(_data, folder);
        Directory.CreateDirectory(spool);
        await File.WriteAllTextAsync(Path.Combine(_data, "pg_wal", Segment), "segment");
        var command = PostgresExpand(WalSpoolArchiver.ArchiveCommand(spool), $"pg_wal/{Segment}", Segment);

        Assert.Equal(0, (await ShellAsync(command)).Code);
        Assert.Equal("segment", await File.ReadAllTextAsync(Path.Combine(spool, Segment)));
        Assert.False(File.Exists(Path.Combine(_data, "injected")));
    }

    [Fact]
    public void A_spool_path_with_a_newline_is_refused_naming_it() =>
        Assert.Contains("control character", Assert.Throws<ArgumentException>(() => WalSpoolArchiver.ArchiveCommand("/var/lib/a\nb")).Message, StringComparison.Ordinal);

    /// <summary>What PostgreSQL does to archive_command and restore_command before /bin/sh runs them: %p, %f, and %% to %.</summary>
    internal static string PostgresExpand(string command, string p, string f)
    {
        var expanded = new System.Text.StringBuilder();
        for (var i = 0; i < command.Length; i++)
        {
            if (command[i] == '%' && i + 1 < command.Length)
            {
                var next = command[++i];
                expanded.Append(next switch { 'p' => p, 'f' => f, '%' => "%", _ => "%" + next });
            }
            else
            {
                expanded.Append(command[i]);
            }
        }

        return expanded.ToString();
    }

    [Fact]
    public void Prefetching_is_only_for_a_data_directory_in_recovery()
    {
        Assert.Null(WalPrefetchSpool.ForDestination(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));   // no server, no signal file
        File.WriteAllText(Path.Combine(_data, "postmaster.pid"), "1");
        File.WriteAllText(Path.Combine(_data, "recovery.signal"), string.Empty);
        Assert.NotNull(WalPrefetchSpool.ForDestination(Path.Combine(_data, "pg_wal", "RECOVERYXLOG")));
        Assert.Null(WalPrefetchSpool.ForDestination(Path.Combine(_data, "elsewhere", "RECOVERYXLOG")));
    }

    private Task<(int Code, string Output)> RestoreAsync(string name, int fallbackExit = 0, string? destination = null, string? workingDirectory = null)
    {
        // The fallback stands for `dataguard wal fetch %f %p`: it says it ran, and exits as told.
        var command = PostgresExpand(WalPrefetchSpool.FastRestoreCommand($"echo fetch %f; exit {fallbackExit}"), destination ?? "pg_wal/RECOVERYXLOG", name);
        return ShellAsync(command, workingDirectory);
    }

    private async Task<(int Code, string Output)> ShellAsync(string command, string? workingDirectory = null)
    {
        var (code, output, _) = await Shell.RunAsync(workingDirectory ?? _data, command);
        return (code, output);
    }
}
