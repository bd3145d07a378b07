using DataGuard.Pitr;
using DataGuard.Storage;

namespace DataGuard.Tests.Pitr;

/// <summary>
/// A WAL download that ends cleanly but short (an empty body on a closed connection: found by the prefetch outage test,
/// where PostgreSQL got a 0-byte segment and stopped with "has wrong size: 0") fails instead of writing a short file.
/// </summary>
public sealed class LengthCheckedStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    public async Task A_download_shorter_than_the_listed_size_fails(int delivered)
    {
        await using var stream = new LengthCheckedStream(new MemoryStream(new byte[delivered]), 100, "WAL file X");

        var ex = await Assert.ThrowsAsync<StorageException>(() => stream.CopyToAsync(Stream.Null));

        Assert.Contains($"ended after {delivered} of its 100 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_of_exactly_the_listed_size_reads_through()
    {
        var data = new byte[1000];
        Random.Shared.NextBytes(data);
        await using var stream = new LengthCheckedStream(new MemoryStream(data), data.Length, "WAL file X");
        var copy = new MemoryStream();

        await stream.CopyToAsync(copy);

        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task A_download_longer_than_the_listed_size_fails()
    {
        await using var stream = new LengthCheckedStream(new MemoryStream(new byte[101]), 100, "WAL file X");

        await Assert.ThrowsAsync<StorageException>(() => stream.CopyToAsync(Stream.Null));
    }
}
