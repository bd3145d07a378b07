using System.Diagnostics;
using DataGuard.Backup;
using DataGuard.IO;
using DataGuard.Pitr;
using DataGuard.Storage;
using DataGuard.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.Tests.Pitr;

/// <summary>
/// Review rev47: the look-ahead record identifies a file by (inode, mtime, size), which is not its content. A write does
/// not move the modification time when it lands in the same clock tick as the previous one on a filesystem with coarse
/// timestamps (every filesystem on kernels before 6.13, e.g. Debian 12's 6.1; ext2, NFS, FUSE... on any kernel), and
/// the time can be put back by hand (cp -p, touch -r, rsync -t --inplace). The tests below put the time back to model the
/// tick deterministically; <see cref="A_rewrite_in_the_same_tick_during_the_push_on_a_coarse_timestamp_filesystem_is_accepted"/>
/// uses the real clock (run it with TMPDIR on such a filesystem, e.g. an ext2 loop mount).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WalReadyArchiverSameVersionTests : IDisposable
{
    private const string Segment = "000000010000000000000007";
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-ready-version-").FullName;
    private readonly string _data;
    private readonly string _records;
    private readonly string _file;

    public WalReadyArchiverSameVersionTests()
    {
        _data = Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
        Directory.CreateDirectory(Path.Combine(_data, "pg_wal", "archive_status"));
        _records = Directory.CreateDirectory(Path.Combine(_root, "records")).FullName;
        File.SetUnixFileMode(_records, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _file = Path.Combine(_data, "pg_wal", Segment);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_rewrite_in_place_that_keeps_the_version_is_not_accepted_by_the_archive_command()
    {
        var archive = NewArchive(s => s);
        var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
        var time = new DateTime(2026, 12, 1, 19, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        await WriteInPlaceAsync(_file, Content(1), time);
        await File.WriteAllBytesAsync(Path.Combine(_data, "pg_wal", "archive_status", Segment + ".ready"), []);
        Assert.Equal((1, 0), await archiver.RunOnceAsync(_data, _records));
        var pushed = NativeStat.VersionOf(_file);

        // The same segment rewritten in place, its modification time put back (cp -p, touch -r, rsync -t): same inode,
        // size and mtime; the change time moved, which user space cannot put back.
        await WriteInPlaceAsync(_file, Content(2), time);
        var now = NativeStat.VersionOf(_file)!.Value;
        Assert.Equal((pushed!.Value.ModifiedSeconds, pushed.Value.ModifiedNanoseconds), (now.ModifiedSeconds, now.ModifiedNanoseconds));

        var code = await ArchiveCommandAsync();
        Assert.True(code != 0 || await ArchiveHoldsCurrentBytesAsync(archive), "archive_command exited 0 but the archive holds the earlier bytes of " + Segment);
    }

    [Fact]
    public async Task A_rewrite_during_the_push_that_keeps_the_version_is_not_recorded()
    {
        // The archiver's own guard ("changed while it was pushed") compares versions too: a rewrite between the read and
        // the second stat, within the tick, is recorded as archived.
        var time = new DateTime(2026, 12, 1, 19, 0, 0, DateTimeKind.Utc).AddTicks(7654321);
        var archive = NewArchive(inner => new RewritingStorage(inner, async () => await WriteInPlaceAsync(_file, Content(2), time)));
        var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
        await WriteInPlaceAsync(_file, Content(1), time);
        await File.WriteAllBytesAsync(Path.Combine(_data, "pg_wal", "archive_status", Segment + ".ready"), []);

        await archiver.RunOnceAsync(_data, _records);

        var code = await ArchiveCommandAsync();
        Assert.True(code != 0 || await ArchiveHoldsCurrentBytesAsync(archive), "archive_command exited 0 but the archive holds the bytes read before the rewrite of " + Segment);
    }

    [Fact]
    public async Task A_rewrite_in_the_same_tick_during_the_push_on_a_coarse_timestamp_filesystem_is_accepted()
    {
        // Real clock, no time put back: passes on filesystems with multigrain timestamps (ext4, xfs, btrfs, tmpfs on
        // Linux 6.13+), fails on others within a few iterations (TMPDIR=/mnt/ext2 dotnet test ...).
        var bad = 0;
        for (var i = 0; i < 50 && bad == 0; i++)
        {
            var root = Directory.CreateTempSubdirectory("dataguard-ready-tick-").FullName;
            try
            {
                var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
                Directory.CreateDirectory(Path.Combine(data, "pg_wal", "archive_status"));
                var records = Directory.CreateDirectory(Path.Combine(root, "records")).FullName;
                File.SetUnixFileMode(records, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                var file = Path.Combine(data, "pg_wal", Segment);
                var archive = LocalWalArchive.Create(Path.Combine(root, "archive"), backup: new BackupOptions { Compression = { Threads = 1 } }, wrap: s => new RewritingStorage(s, async () => await WriteInPlaceAsync(file, Content(2 + i), null)));
                var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
                await File.WriteAllBytesAsync(Path.Combine(data, "pg_wal", "archive_status", Segment + ".ready"), []);
                await WriteInPlaceAsync(file, Content(1), null);
                await archiver.RunOnceAsync(data, records);
                File.Delete(Path.Combine(records, WalReadyArchiver.HeartbeatName));   // no match: the command ends at once
                var code = await ShellAsync(data, WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(records, TimeSpan.FromSeconds(1)), $"pg_wal/{Segment}", Segment));
                if (code == 0)
                {
                    var fetched = Path.Combine(root, "fetched");
                    await archive.FetchAsync(Segment, fetched);
                    var stored = await File.ReadAllBytesAsync(fetched);
                    var current = await File.ReadAllBytesAsync(file);
                    if (!stored.AsSpan().SequenceEqual(current))
                    {
                        bad = i + 1;
                    }
                }
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        Assert.True(bad == 0, $"iteration {bad}: archive_command exited 0 but the archive holds other bytes than the file (in {Path.GetTempPath()})");
    }

    [Theory]
    [InlineData(true, 200, 0)]      // stamps to the nanosecond, from a clock moving every 200 ms
    [InlineData(false, 200, 0)]
    [InlineData(true, 10, 100)]     // a clock moving every 10 ms, stamps truncated to 100 ms (exfat keeps 10 ms)
    [InlineData(false, 10, 100)]
    [InlineData(true, 200, 1000)]   // whole seconds (ext2/3, ext4 with 128-byte inodes)
    [InlineData(false, 200, 1000)]
    public async Task On_a_coarse_timestamp_filesystem_a_rewrite_in_the_tick_of_the_read_is_never_recorded(bool rewrite, int tickMilliseconds, int granularityMilliseconds)
    {
        // A filesystem stamped by a coarse clock 30 ms behind the real time (a stalled tick), truncated to its
        // granularity: a change takes the stamp when first seen, so a rewrite within one tick (or one granule) keeps
        // inode, times and size, as on Linux before 6.13. Review rev49: a stamp truncated below the clock's reading in
        // the same granule counted as settled.
        var filesystem = new CoarseFilesystem(TimeSpan.FromMilliseconds(tickMilliseconds), TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(granularityMilliseconds));
        var archive = NewArchive(inner => new RewritingStorage(inner, async () =>
        {
            if (rewrite)
            {
                await WriteInPlaceAsync(_file, Content(2), null);
            }
        }));
        var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System, filesystem.VersionOf, filesystem.Clock);
        await WriteInPlaceAsync(_file, Content(1), null);
        await File.WriteAllBytesAsync(Path.Combine(_data, "pg_wal", "archive_status", Segment + ".ready"), []);

        await archiver.RunOnceAsync(_data, _records);

        // The archiver read the version only once the clock had moved past the file's change: the rewrite during the
        // push then took a later stamp, and the version changed.
        var record = Path.Combine(_records, Segment + WalReadyArchiver.RecordSuffix);
        if (rewrite)
        {
            Assert.False(File.Exists(record), "a file rewritten in the tick of its read was recorded as archived");
            Assert.Contains("changed while it was pushed", await File.ReadAllTextAsync(Path.Combine(_records, Segment + WalReadyArchiver.ErrorSuffix)), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(filesystem.VersionOf(_file)?.ToString(), (await File.ReadAllTextAsync(record)).TrimEnd('\n'));
            Assert.True(await ArchiveHoldsCurrentBytesAsync(archive));
        }
    }

    [Fact]
    public async Task The_archive_command_printed_by_an_earlier_release_says_to_print_it_again()
    {
        // Review rev48: records hold the change time now; a command printed before (stat -c '%i %.9Y %s') never finds
        // one, and said only that no record came from the archiver.
        var archive = LocalWalArchive.Create(Path.Combine(_root, "archive"));
        var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
        await WriteInPlaceAsync(_file, Content(1), null);
        await File.WriteAllBytesAsync(Path.Combine(_data, "pg_wal", "archive_status", Segment + ".ready"), []);
        Assert.Equal((1, 0), await archiver.RunOnceAsync(_data, _records));
        await File.WriteAllTextAsync(Path.Combine(_records, WalReadyArchiver.HeartbeatName), DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        var current = WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(1));
        var earlier = current.Replace("%%.9Z ", string.Empty, StringComparison.Ordinal)
            .Replace("case $v in *.*.*);;*)echo \"dataguard: stat without nanoseconds\">&2;exit 1;;esac; ", string.Empty, StringComparison.Ordinal);
        Assert.NotEqual(current, earlier);

        var (code, _, error) = await Shell.RunAsync(_data, WalSpoolCommandTests.PostgresExpand(earlier, $"pg_wal/{Segment}", Segment));

        Assert.Equal(1, code);
        Assert.Contains("--print-archive-command", error, StringComparison.Ordinal);
        Assert.Equal(0, (await Shell.RunAsync(_data, WalSpoolCommandTests.PostgresExpand(current, $"pg_wal/{Segment}", Segment))).Code);
    }

    [Fact]
    public async Task A_stat_that_prints_whole_seconds_is_refused_by_the_archiver_and_by_the_command()
    {
        // Review rev48: BusyBox's stat prints whole seconds for %.9Y and %.9Z: no record would ever match.
        var stat = Path.Combine(_root, "stat");
        File.WriteAllText(stat, "#!/bin/sh\nexec /usr/bin/stat -c '%i %Y %Z %s' \"$3\"\n");
        File.SetUnixFileMode(stat, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var refused = Assert.Throws<InvalidOperationException>(() => WalReadyArchiver.CheckStat(_file + ".probe", stat));
        Assert.Contains("needs a stat that prints nanoseconds", refused.Message, StringComparison.Ordinal);
        WalReadyArchiver.CheckStat(_file + ".probe", "stat");   // coreutils: accepted

        // PostgreSQL's environment may have that stat where the archiver's has coreutils: the command refuses it too.
        await File.WriteAllBytesAsync(_file, Content(1));
        var command = $"PATH='{_root}':$PATH; " + WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(1)), $"pg_wal/{Segment}", Segment);
        var (code, _, error) = await Shell.RunAsync(_data, command);
        Assert.Equal(1, code);
        Assert.Contains("dataguard: stat without nanoseconds", error, StringComparison.Ordinal);
    }

    /// <summary>A filesystem whose times come from a coarse clock: each change of a file is stamped when first seen.</summary>
    private sealed class CoarseFilesystem(TimeSpan tick, TimeSpan lag, TimeSpan granularity)
    {
        private readonly Dictionary<string, long> _stamps = new(StringComparer.Ordinal);

        public long Clock()
        {
            var now = ((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch) - lag).Ticks * 100;
            var step = tick.Ticks * 100;
            return now / step * step;
        }

        public FileVersion? VersionOf(string path)
        {
            if (NativeStat.VersionOf(path) is not { } version)
            {
                return null;
            }

            long stamp;
            lock (_stamps)
            {
                var change = path + " " + version.Changed;
                if (!_stamps.TryGetValue(change, out stamp))
                {
                    stamp = Clock();
                    var granule = Math.Max(1, granularity.Ticks * 100);
                    stamp = stamp / granule * granule;
                    _stamps[change] = stamp;
                }
            }

            var (seconds, nanoseconds) = Math.DivRem(stamp, 1_000_000_000L);
            return version with { ModifiedSeconds = seconds, ModifiedNanoseconds = (uint)nanoseconds, ChangedSeconds = seconds, ChangedNanoseconds = (uint)nanoseconds };
        }
    }

    private static byte[] Content(int seed)
    {
        var content = new byte[4096];
        new Random(seed).NextBytes(content);
        return content;
    }

    /// <summary>Rewrites the file in place (same inode), and puts its modification time back to <paramref name="time"/> when given.</summary>
    private static async Task WriteInPlaceAsync(string file, byte[] content, DateTime? time)
    {
        await using (var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(content);
            stream.SetLength(content.Length);
        }

        if (time is { } t)
        {
            File.SetLastWriteTimeUtc(file, t);
        }
    }

    private WalArchive NewArchive(Func<IBackupStorage, IBackupStorage> wrap) => LocalWalArchive.Create(Path.Combine(_root, "archive"), wrap: wrap);

    private async Task<bool> ArchiveHoldsCurrentBytesAsync(WalArchive archive)
    {
        var fetched = Path.Combine(_root, "fetched");
        await archive.FetchAsync(Segment, fetched);
        var stored = await File.ReadAllBytesAsync(fetched);
        var current = await File.ReadAllBytesAsync(_file);
        return stored.AsSpan().SequenceEqual(current);
    }

    private Task<int> ArchiveCommandAsync() =>
        ShellAsync(_data, WalSpoolCommandTests.PostgresExpand(WalReadyArchiver.ArchiveCommand(_records, TimeSpan.FromSeconds(1)), $"pg_wal/{Segment}", Segment));

    private static async Task<int> ShellAsync(string directory, string command) => (await Shell.RunAsync(directory, command)).Code;

    /// <summary>Storage that, once the pushed bytes have been read from the file (before storing them), runs <paramref name="rewrite"/> (the file changes during the push).</summary>
    private sealed class RewritingStorage(IBackupStorage inner, Func<Task> rewrite) : DelegatingStorage(inner)
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (!key.StartsWith("wal/", StringComparison.Ordinal))
            {
                return await Inner.WriteAsync(key, content, options, cancellationToken);
            }

            // The whole stream read: the archiver has read the file to its end. Then the file changes, then it is stored.
            var buffered = new MemoryStream();
            await content.CopyToAsync(buffered, cancellationToken);
            await rewrite();
            buffered.Position = 0;
            return await Inner.WriteAsync(key, buffered, options, cancellationToken);
        }

    }
}
