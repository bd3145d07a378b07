using System.Security.Cryptography;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>What every <see cref="IBackupStorage"/> must do; run against each provider by a subclass.</summary>
public abstract class BackupStorageConformanceTests : IAsyncLifetime
{
    protected const int PartSize = S3StorageOptions.MinimumPartSize;

    protected IBackupStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync() => Storage = await CreateStorageAsync(prefix: "conformance");

    public abstract Task DisposeAsync();

    /// <summary>A storage over a fresh, empty space, with <see cref="PartSize"/> parts where that applies.</summary>
    protected abstract Task<IBackupStorage> CreateStorageAsync(string? prefix);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(PartSize - 1)]
    [InlineData(PartSize)]
    [InlineData(PartSize + 1)]
    public async Task Round_trips_a_non_seekable_stream(int length)
    {
        var key = $"roundtrip/{length}.bin";
        var written = await Storage.WriteAsync(key, new GeneratedStream(length, seed: length));

        var expected = GeneratedStream.ExpectedSha256(length, seed: length);
        Assert.Equal(length, written.Size);
        Assert.Equal(expected, written.Sha256);
        Assert.Equal(expected, await ReadSha256Async(key));
        Assert.Equal(length, (await Storage.GetInfoAsync(key))!.Size);
    }

    [Fact]
    public async Task Round_trips_40_MiB_from_a_non_seekable_stream()
    {
        const int length = 40 * 1024 * 1024;
        var written = await Storage.WriteAsync("big/40mib.bin", new GeneratedStream(length, seed: 40));

        var expected = GeneratedStream.ExpectedSha256(length, seed: 40);
        Assert.Equal(expected, written.Sha256);
        Assert.Equal(length, written.Size);
        Assert.Equal(expected, await ReadSha256Async("big/40mib.bin"));
    }

    [Fact]
    public async Task Overwrites_by_default()
    {
        await Storage.WriteAsync("over/a", new MemoryStream([1, 2, 3]));
        await Storage.WriteAsync("over/a", new MemoryStream([4]));
        Assert.Equal([4], await ReadAllAsync("over/a"));
    }

    [Fact]
    public async Task Reads_ranges()
    {
        var bytes = GeneratedStream.Bytes(10_000, seed: 7);
        await Storage.WriteAsync("range/a", new MemoryStream(bytes));

        Assert.Equal(bytes[100..350], await ReadAllAsync("range/a", new StorageByteRange(100, 250)));
        Assert.Equal(bytes[9_000..], await ReadAllAsync("range/a", new StorageByteRange(9_000)));
        Assert.Equal(bytes[9_990..], await ReadAllAsync("range/a", new StorageByteRange(9_990, 500)));
    }

    [Fact]
    public async Task Lists_2500_keys_across_pages_in_key_order()
    {
        var keys = Enumerable.Range(0, 2_500).Select(i => $"many/{i:D5}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, ct) =>
            await Storage.WriteAsync(key, new MemoryStream([1]), cancellationToken: ct));

        var listed = new List<StorageObjectInfo>();
        await foreach (var item in Storage.ListAsync("many/"))
        {
            listed.Add(item);
        }

        Assert.Equal(keys, listed.Select(i => i.Key));
        Assert.All(listed, item => Assert.Equal(1, item.Size));
        Assert.All(listed, item => Assert.True(item.LastModified > DateTimeOffset.UtcNow.AddHours(-1)));
    }

    [Fact]
    public async Task Listing_is_limited_to_the_prefix_and_to_the_storage_root_or_prefix()
    {
        await Storage.WriteAsync("iso/a/1", new MemoryStream([1]));
        await Storage.WriteAsync("iso/ab/2", new MemoryStream([2]));
        await Storage.WriteAsync("iso/b/3", new MemoryStream([3]));

        Assert.Equal(["iso/a/1"], await ListKeysAsync(Storage, "iso/a/"));
        Assert.Equal(["iso/a/1", "iso/ab/2"], await ListKeysAsync(Storage, "iso/a"));
        Assert.Empty(await ListKeysAsync(Storage, "nothing-here/"));

        var neighbour = await CreateStorageAsync(prefix: "neighbour");
        await neighbour.WriteAsync("iso/a/9", new MemoryStream([9]));
        Assert.Equal(["iso/a/9"], await ListKeysAsync(neighbour, "iso/"));
        Assert.Equal(["iso/a/1", "iso/ab/2", "iso/b/3"], await ListKeysAsync(Storage, "iso/"));
    }

    [Fact]
    public async Task Deletes_one_and_many()
    {
        foreach (var key in new[] { "del/1", "del/2", "del/3", "del/4" })
        {
            await Storage.WriteAsync(key, new MemoryStream([1]));
        }

        Assert.True(await Storage.DeleteAsync("del/1"));
        Assert.Null(await Storage.GetInfoAsync("del/1"));
        Assert.Equal(2, await Storage.DeleteManyAsync(["del/2", "del/3"]));
        Assert.Equal(["del/4"], await ListKeysAsync(Storage, "del/"));
        Assert.Equal(0, await Storage.DeleteManyAsync([]));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("a/../../b")]
    [InlineData("bad\u0001key")]
    public async Task Rejects_invalid_keys_and_writes_nothing(string key)
    {
        await Assert.ThrowsAsync<InvalidStorageKeyException>(() => Storage.WriteAsync(key, new MemoryStream([1])));
        await Assert.ThrowsAsync<InvalidStorageKeyException>(() => Storage.OpenReadAsync(key));
        await Assert.ThrowsAsync<InvalidStorageKeyException>(() => Storage.DeleteAsync(key));
        Assert.Empty(await ListKeysAsync(Storage, string.Empty));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(PartSize * 2 + 10)]
    public async Task Write_once_refuses_to_overwrite_and_keeps_the_original(int length)
    {
        await Storage.WriteAsync("once/a", new MemoryStream([42]), StorageWriteOptions.CreateOnly);
        var ex = await Assert.ThrowsAsync<StorageObjectAlreadyExistsException>(() =>
            Storage.WriteAsync("once/a", new GeneratedStream(length), StorageWriteOptions.CreateOnly));
        Assert.Contains("once/a", ex.Message);
        Assert.Equal([42], await ReadAllAsync("once/a"));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(PartSize * 3)]
    public async Task Cancellation_mid_write_leaves_no_object(int cancelAfter)
    {
        using var cts = new CancellationTokenSource();
        var source = new GeneratedStream(PartSize * 6) { CallbackAfter = cancelAfter, Callback = cts.Cancel };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.WriteAsync("cancel/a", source, cancellationToken: cts.Token));
        Assert.Null(await Storage.GetInfoAsync("cancel/a"));
        Assert.Empty(await ListKeysAsync(Storage, "cancel/"));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(PartSize * 3)]
    public async Task A_source_that_throws_mid_write_leaves_no_object(int throwAfter)
    {
        var source = new GeneratedStream(PartSize * 6) { ThrowAfter = throwAfter };
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Storage.WriteAsync("broken/a", source));
        Assert.Contains("simulated failure of the source stream", ex.ToString());
        Assert.Null(await Storage.GetInfoAsync("broken/a"));
        Assert.Empty(await ListKeysAsync(Storage, "broken/"));
    }

    [Fact]
    public async Task Reading_a_missing_key_is_a_clear_not_found_error()
    {
        var ex = await Assert.ThrowsAsync<StorageObjectNotFoundException>(() => Storage.OpenReadAsync("missing/key.bin"));
        Assert.Contains("missing/key.bin", ex.Message);
        Assert.Equal("missing/key.bin", ex.Key);
        Assert.Null(await Storage.GetInfoAsync("missing/key.bin"));
        await Assert.ThrowsAsync<StorageObjectNotFoundException>(() => Storage.GetDownloadLinkAsync("missing/key.bin", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Download_link_serves_the_object()
    {
        var bytes = GeneratedStream.Bytes(3_000, seed: 3);
        await Storage.WriteAsync("links/a.bin", new MemoryStream(bytes));
        var link = await Storage.GetDownloadLinkAsync("links/a.bin", TimeSpan.FromMinutes(10));
        Assert.Equal(bytes, await DownloadAsync(link));
    }

    [Fact]
    public async Task Probe_succeeds_and_leaves_nothing_behind()
    {
        var probe = await Storage.ProbeAsync();
        Assert.True(probe.Succeeded, string.Join("; ", probe.Steps.Select(s => $"{s.Name}: {s.Detail}")));
        Assert.Contains(probe.Steps, s => s.Name == "put" && s.Succeeded);
        Assert.Contains(probe.Steps, s => s.Name == "conditional-write" && s.Optional);
        Assert.Empty(await ListKeysAsync(Storage, StorageProbe.KeyPrefix));
    }

    protected static async Task<List<string>> ListKeysAsync(IBackupStorage storage, string prefix)
    {
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(prefix))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    protected virtual async Task<byte[]> DownloadAsync(Uri link)
    {
        using var http = new HttpClient();
        return await http.GetByteArrayAsync(link);
    }

    protected async Task<byte[]> ReadAllAsync(string key, StorageByteRange? range = null)
    {
        await using var stream = await Storage.OpenReadAsync(key, range);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task<string> ReadSha256Async(string key)
    {
        await using var stream = await Storage.OpenReadAsync(key);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }
}
