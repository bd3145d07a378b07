using DataGuard.IO;

namespace DataGuard.Tests.Backup;

public class VerifiedEndReadStreamTests
{
    [Fact]
    public async Task A_verified_end_stream_holds_back_its_tail_until_the_check_passes()
    {
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        var verified = false;
        await using var stream = new VerifiedEndReadStream(new MemoryStream(data), _ =>
        {
            verified = true;
            return Task.CompletedTask;
        }, tail: 1000);
        var read = new MemoryStream();
        var buffer = new byte[7777];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            Assert.True(verified || read.Length + n <= data.Length - 1000, "a held-back byte was handed out before the check");
            read.Write(buffer, 0, n);
        }

        Assert.True(verified);
        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public async Task A_failed_check_means_the_last_bytes_never_reach_the_reader()
    {
        var data = new byte[100_000];
        await using var stream = new VerifiedEndReadStream(new MemoryStream(data), _ => throw new InvalidDataException("changed"), tail: 4096);
        var read = 0L;
        var buffer = new byte[1000];
        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                read += n;
            }
        });
        Assert.Equal("changed", ex.Message);
        Assert.Equal(data.Length - 4096, read);
    }
}
