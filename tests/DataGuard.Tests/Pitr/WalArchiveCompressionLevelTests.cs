using DataGuard.Backup;
using DataGuard.Pitr;

namespace DataGuard.Tests.Pitr;

/// <summary>WAL files are compressed at <c>Pitr:WalCompressionLevel</c>, not at the backups' level.</summary>
public sealed class WalArchiveCompressionLevelTests : IDisposable
{
    private const string Segment = "000000010000000000000042";
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-wal-level-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_WAL_level_decides_the_stored_size_and_the_backup_level_does_not()
    {
        // Text that compresses, and whose size differs between zstd levels 1 and 19.
        var random = new Random(42);
        var words = Enumerable.Range(0, 4000).Select(_ => new string((char)('a' + random.Next(26)), 1 + random.Next(3)) + random.Next(1000)).ToArray();
        var segment = Path.Combine(_root, Segment);
        await File.WriteAllTextAsync(segment, string.Join(' ', Enumerable.Range(0, 200_000).Select(_ => words[random.Next(words.Length)])));

        var fast = await PushAsync("fast", walLevel: 1, backupLevel: 19, segment);
        var small = await PushAsync("small", walLevel: 19, backupLevel: 1, segment);
        var byDefault = await PushAsync("default", walLevel: null, backupLevel: 3, segment);

        Assert.True(small < fast, $"level 19 stored {small} bytes, level 1 {fast}");
        Assert.Equal(fast, byDefault);   // the default is level 1, whatever Backup:Compression:Level says
    }

    [Fact]
    public async Task A_file_archived_at_another_level_is_the_same_file_when_pushed_again()
    {
        // PostgreSQL asks again for a segment pushed before an upgrade changed the level: same bytes, so it succeeds.
        var segment = Path.Combine(_root, Segment);
        await File.WriteAllTextAsync(segment, string.Concat(Enumerable.Repeat("same segment, other level ", 10_000)));
        await PushAsync("shared", walLevel: 19, backupLevel: 3, segment);

        var archive = LocalWalArchive.Create(Path.Combine(_root, "shared"), new PitrOptions { WalCompressionLevel = 1 });
        Assert.Equal(WalPushOutcome.AlreadyArchived, (await archive.PushAsync(segment)).Outcome);

        await File.AppendAllTextAsync(segment, "!");
        await Assert.ThrowsAsync<WalArchiveConflictException>(() => archive.PushAsync(segment));
    }

    private async Task<long> PushAsync(string name, int? walLevel, int backupLevel, string segment)
    {
        var pitr = walLevel is { } level ? new PitrOptions { WalCompressionLevel = level } : new PitrOptions();
        var archive = LocalWalArchive.Create(Path.Combine(_root, name), pitr, new BackupOptions { Compression = { Level = backupLevel, Threads = 1 } });
        var pushed = await archive.PushAsync(segment);

        var fetched = Path.Combine(_root, $"{name}-{walLevel}.fetched");
        await archive.FetchAsync(Segment, fetched);
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(fetched));
        return pushed.StoredSize;
    }
}
