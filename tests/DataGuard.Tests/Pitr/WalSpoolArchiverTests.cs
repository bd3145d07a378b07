using DataGuard.Backup;
using DataGuard.Pitr;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Pitr;

/// <summary>The spool archiver against a folder-backed archive: files in the spool that are not WAL never stop it.</summary>
public sealed class WalSpoolArchiverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-spool-archiver-").FullName;
    private readonly string _spool;
    private readonly WalArchive _archive;
    private readonly WalSpoolArchiver _archiver;

    public WalSpoolArchiverTests()
    {
        _spool = Directory.CreateDirectory(Path.Combine(_root, "spool")).FullName;
        var storage = new FileSystemBackupStorage(new FileSystemStorageOptions { Root = Path.Combine(_root, "archive") }, NullLogger<FileSystemBackupStorage>.Instance);
        _archive = new WalArchive(storage, Options.Create(new BackupOptions()), NullLogger<WalArchive>.Instance, new DataGuardMetrics(), TimeProvider.System);
        _archiver = new WalSpoolArchiver(_archive, NullLogger<WalSpoolArchiver>.Instance, TimeProvider.System);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_stray_file_in_the_spool_is_skipped_and_the_resident_archiver_keeps_pushing()
    {
        await File.WriteAllTextAsync(Path.Combine(_spool, "README"), "not WAL");
        await File.WriteAllTextAsync(Path.Combine(_spool, "000000010000000000000001"), "segment 1");
        using var stop = new CancellationTokenSource();
        var running = _archiver.RunAsync(_spool, parallelism: 2, TimeSpan.FromMilliseconds(50), stop.Token);

        await WaitPushedAsync("000000010000000000000001", running);

        // Several passes later the archiver is still there: a segment spooled now is pushed too.
        await Task.Delay(300);
        await File.WriteAllTextAsync(Path.Combine(_spool, "000000010000000000000002"), "segment 2");
        await WaitPushedAsync("000000010000000000000002", running);

        Assert.True(File.Exists(Path.Combine(_spool, "README")));   // left alone, never deleted
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task A_single_pass_skips_a_stray_file_and_pushes_the_segments()
    {
        await File.WriteAllTextAsync(Path.Combine(_spool, "README"), "not WAL");
        await File.WriteAllTextAsync(Path.Combine(_spool, "000000010000000000000003"), "segment 3");

        var (archived, failed) = await _archiver.RunOnceAsync(_spool);

        Assert.Equal((1, 0), (archived, failed));
        Assert.True(await _archive.ContainsAsync("000000010000000000000003"));
        Assert.True(File.Exists(Path.Combine(_spool, "README")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task A_fetch_whose_segment_does_not_decode_to_the_segment_size_fails_and_writes_nothing(int length)
    {
        // A 0-byte or short segment archived (a cut copy): its object is listed with a size, or as 0 bytes when emptied in storage.
        const string name = "000000010000000000000009";
        var source = Path.Combine(_root, name);
        await File.WriteAllBytesAsync(source, new byte[length]);
        await _archive.PushAsync(source);
        if (length == 0)
        {
            foreach (var stored in Directory.EnumerateFiles(Path.Combine(_root, "archive"), name + "*", SearchOption.AllDirectories))
            {
                await File.WriteAllBytesAsync(stored, []);   // listed as 0 bytes
            }
        }

        var destination = Path.Combine(_root, "RECOVERYXLOG");
        var error = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => _archive.FetchAsync(name, destination, durable: false, segmentSize: 1024 * 1024, CancellationToken.None));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public async Task A_fetched_segment_of_the_cluster_segment_size_is_written()
    {
        const string name = "00000001000000000000000A";
        var source = Path.Combine(_root, name);
        await File.WriteAllBytesAsync(source, new byte[1024 * 1024]);
        await _archive.PushAsync(source);

        var destination = Path.Combine(_root, "RECOVERYXLOG");
        await _archive.FetchAsync(name, destination, durable: false, segmentSize: 1024 * 1024, CancellationToken.None);

        Assert.Equal(1024 * 1024, new FileInfo(destination).Length);
    }

    private async Task WaitPushedAsync(string name, Task running)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (File.Exists(Path.Combine(_spool, name)) || !await _archive.ContainsAsync(name))
        {
            if (running.IsCompleted)
            {
                await running;   // surfaces why the archiver ended
                Assert.Fail("The archiver ended while it should keep running.");
            }

            Assert.True(DateTime.UtcNow < deadline, $"{name} was not pushed within 30 s.");
            await Task.Delay(50);
        }
    }
}
