using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Backup;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Pitr;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalArchiveTests(ArchivingCluster cluster) : IClassFixture<ArchivingCluster>, IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"dataguard-walwork-{Guid.NewGuid():N}");
    private TestBucket? _bucket;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_bucket is not null)
        {
            await _bucket.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Real_segments_push_idempotently_and_fetch_back_byte_for_byte(bool s3, bool encrypted)
    {
        var archive = await CreateArchiveAsync(s3, encrypted);
        foreach (var segment in cluster.Segments)
        {
            var pushed = await archive.PushAsync(segment);
            Assert.Equal(WalPushOutcome.Archived, pushed.Outcome);
            Assert.StartsWith($"wal/{Path.GetFileName(segment)[..8]}/{Path.GetFileName(segment)}.zst", pushed.Key);
            Assert.True(pushed.StoredSize < pushed.RawSize);
            Assert.Equal(WalPushOutcome.AlreadyArchived, (await archive.PushAsync(segment)).Outcome);
        }

        foreach (var segment in cluster.Segments)
        {
            var target = Path.Combine(_work, "pg_wal", Path.GetFileName(segment));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await archive.FetchAsync(Path.GetFileName(segment), target);
            Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(target));
        }

        var listed = new List<ArchivedWalFile>();
        await foreach (var file in archive.ListAsync())
        {
            listed.Add(file);
        }

        Assert.Equal(cluster.Segments.Select(Path.GetFileName), listed.Select(f => f.Name));
    }

    [Fact]
    public async Task A_different_file_under_an_archived_name_is_refused_and_the_archive_keeps_the_original()
    {
        var archive = await CreateArchiveAsync(s3: false, encrypted: false);
        var original = cluster.Segments[0];
        await archive.PushAsync(original);
        var impostor = Path.Combine(_work, Path.GetFileName(original));
        var bytes = await File.ReadAllBytesAsync(original);
        bytes[1000] ^= 0xFF;
        await File.WriteAllBytesAsync(impostor, bytes);

        var ex = await Assert.ThrowsAsync<WalArchiveConflictException>(() => archive.PushAsync(impostor));
        Assert.Contains(Path.GetFileName(original), ex.Message);
        Assert.Contains("different content", ex.Message);

        var fetched = Path.Combine(_work, "fetched");
        await archive.FetchAsync(Path.GetFileName(original), fetched);
        Assert.Equal(await File.ReadAllBytesAsync(original), await File.ReadAllBytesAsync(fetched));
    }

    [Fact]
    public async Task A_corrupted_archived_segment_fails_to_fetch_with_a_checksum_error_and_writes_nothing()
    {
        var root = Path.Combine(_work, "storage");
        var archive = CreateArchive(b => b.AddFileSystemStorage(root), encrypted: false);
        var segment = cluster.Segments[1];
        var pushed = await archive.PushAsync(segment);
        var stored = Path.Combine(root, pushed.Key);
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(stored, bytes);

        var target = Path.Combine(_work, "restored-segment");
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => archive.FetchAsync(Path.GetFileName(segment), target));
        Assert.Contains(Path.GetFileName(segment), ex.Message);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_work, ".*"));
    }

    [Fact]
    public async Task A_planted_plaintext_segment_next_to_the_encrypted_one_is_refused_not_preferred()
    {
        var root = Path.Combine(_work, "storage");
        var archive = CreateArchive(b => b.AddFileSystemStorage(root), encrypted: true);
        var name = Path.GetFileName(cluster.Segments[0]);
        var pushed = await archive.PushAsync(cluster.Segments[0]);

        // The attacker writes another segment's bytes, compressed but not encrypted, under the same name.
        var attackerRoot = Path.Combine(_work, "attacker");
        var impostor = Path.Combine(_work, name);
        File.Copy(cluster.Segments[1], impostor);
        var planted = await CreateArchive(b => b.AddFileSystemStorage(attackerRoot), encrypted: false).PushAsync(impostor);
        File.Copy(Path.Combine(attackerRoot, planted.Key), Path.Combine(root, planted.Key));

        var target = Path.Combine(_work, "restored-segment");
        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => archive.FetchAsync(name, target));
        Assert.IsNotType<WalSegmentNotFoundException>(ex);
        Assert.Contains("refusing unencrypted object", ex.Message);
        Assert.Contains("encryption is configured", ex.Message);
        Assert.False(File.Exists(target));

        // Alone, without the encrypted original, it is refused all the same (never "not found", which would end recovery).
        File.Delete(Path.Combine(root, pushed.Key));
        ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => archive.FetchAsync(name, target));
        Assert.IsNotType<WalSegmentNotFoundException>(ex);
        Assert.Contains("refusing unencrypted object", ex.Message);
        Assert.False(File.Exists(target));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_encrypted_segment_copied_under_another_segments_name_is_detected(bool otherTimeline)
    {
        var root = Path.Combine(_work, "storage");
        var archive = CreateArchive(b => b.AddFileSystemStorage(root), encrypted: true);
        var source = await archive.PushAsync(cluster.Segments[0]);
        var sourceName = Path.GetFileName(cluster.Segments[0]);
        var victimName = otherTimeline ? "00000002" + sourceName[8..] : Path.GetFileName(cluster.Segments[1]);
        var victimKey = $"wal/{victimName[..8]}/{victimName}.zst.enc";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, victimKey))!);
        File.Copy(Path.Combine(root, source.Key), Path.Combine(root, victimKey), overwrite: true);

        var target = Path.Combine(_work, "restored-segment");
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => archive.FetchAsync(victimName, target));
        Assert.Contains(victimName, ex.Message);
        Assert.Contains(sourceName, ex.Message);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Fetching_a_file_that_is_not_archived_fails_cleanly()
    {
        var archive = await CreateArchiveAsync(s3: false, encrypted: false);

        // An archive without a single WAL file is a storage fault (not mounted, wrong prefix), never "not archived".
        var empty = await Assert.ThrowsAsync<DataGuard.Storage.StorageException>(() => archive.FetchAsync("0000000100000000000000FE", Path.Combine(_work, "x")));
        Assert.Contains("holds no WAL file at all", empty.Message, StringComparison.Ordinal);

        await archive.PushAsync(cluster.Segments[0]);
        await Assert.ThrowsAsync<WalSegmentNotFoundException>(() => archive.FetchAsync("0000000100000000000000FE", Path.Combine(_work, "x")));
        await Assert.ThrowsAsync<ArgumentException>(() => archive.FetchAsync("../../etc/passwd", Path.Combine(_work, "x")));
    }

    [Fact]
    public async Task The_CLI_is_archive_command_and_restore_command()
    {
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new
        {
            Postgres = new { cluster.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
        });
        var segment = cluster.Segments[2];

        var push = await cli.RunAsync("wal", "push", segment, "--config", config);
        Assert.True(push.ExitCode == 0, push.All);
        Assert.Equal(string.Empty, push.Output);
        Assert.Equal(0, (await cli.RunAsync("wal", "push", segment, "--config", config)).ExitCode);

        var target = Path.Combine(cli.Folder, "RECOVERYXLOG");
        var fetch = await cli.RunAsync("wal", "fetch", Path.GetFileName(segment), target, "--config", config);
        Assert.True(fetch.ExitCode == 0, fetch.All);
        Assert.Equal(await File.ReadAllBytesAsync(segment), await File.ReadAllBytesAsync(target));

        var missing = await cli.RunAsync("wal", "fetch", "00000001000000000000FFFF", target, "--config", config);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("is not in the archive", missing.Error);
    }

    private async Task<WalArchive> CreateArchiveAsync(bool s3, bool encrypted)
    {
        if (!s3)
        {
            var root = Path.Combine(_work, "storage");
            return CreateArchive(b => b.AddFileSystemStorage(root), encrypted);
        }

        _bucket = await TestS3.CreateBucketAsync();
        var bucket = _bucket;
        return CreateArchive(b => b.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "pitr")), encrypted);
    }

    private static WalArchive CreateArchive(Action<IDataGuardBuilder> storage, bool encrypted)
    {
        var services = new ServiceCollection();
        var builder = services.AddDataGuard(o =>
        {
            if (encrypted)
            {
                o.Backup.Encryption.KeyId = "wal1";
                o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            }
        });
        storage(builder);
        return services.BuildServiceProvider().GetRequiredService<WalArchive>();
    }
}
