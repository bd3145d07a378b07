using DataGuard.Pitr;
using Microsoft.Extensions.Logging.Abstractions;

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
        _archive = LocalWalArchive.Create(Path.Combine(_root, "archive"));
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
