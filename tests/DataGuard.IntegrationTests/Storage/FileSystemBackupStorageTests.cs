using DataGuard.Configuration;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

public sealed class FileSystemBackupStorageTests : BackupStorageConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dataguard-fs-{Guid.NewGuid():N}");

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_failed_write_leaves_no_temporary_file()
    {
        var source = new Infrastructure.GeneratedStream(PartSize) { ThrowAfter = 10 };
        await Assert.ThrowsAnyAsync<Exception>(() => Storage.WriteAsync("tmp/a", source));
        var folder = Path.Combine(_root, "conformance");
        Assert.Empty(Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task Download_link_is_a_file_uri() =>
        Assert.Equal("file", (await WriteAndLinkAsync()).Scheme);

    protected override Task<IBackupStorage> CreateStorageAsync(string? prefix) =>
        Task.FromResult<IBackupStorage>(new FileSystemBackupStorage(
            new FileSystemStorageOptions { Root = Path.Combine(_root, prefix ?? string.Empty) },
            NullLogger<FileSystemBackupStorage>.Instance));

    protected override Task<byte[]> DownloadAsync(Uri link) => File.ReadAllBytesAsync(link.LocalPath);

    private async Task<Uri> WriteAndLinkAsync()
    {
        await Storage.WriteAsync("links/b", new MemoryStream([1]));
        return await Storage.GetDownloadLinkAsync("links/b", TimeSpan.FromMinutes(1));
    }
}
