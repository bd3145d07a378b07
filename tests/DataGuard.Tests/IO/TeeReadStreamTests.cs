using System.IO.Pipelines;
using DataGuard.IO;

namespace DataGuard.Tests.IO;

public sealed class TeeReadStreamTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 4096)]
    [InlineData(4, 3 * 1024 * 1024 + 17)]
    public async Task The_copy_holds_exactly_what_was_read_and_ends_with_the_stream(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        var copied = PipeDrain.ReadAllAsync(pipe.Reader, slowly: seed % 2 == 0);
        using var tee = new TeeReadStream(new MemoryStream(bytes), pipe.Writer);

        var read = new MemoryStream();
        var buffer = new byte[new Random(seed).Next(1, 200_000)];
        int n;
        while ((n = await tee.ReadAsync(buffer)) > 0)
        {
            read.Write(buffer, 0, n);
        }

        Assert.Equal(bytes, read.ToArray());
        Assert.Equal(bytes, await copied);
    }

    [Fact]
    public async Task A_read_error_leaves_the_copy_open_for_its_owner_to_abandon()
    {
        // A reader may retry a failed or cancelled read; only the write's owner knows the copy is over.
        var pipe = new Pipe();
        using var tee = new TeeReadStream(new FailingStream(), pipe.Writer);

        var thrown = await Assert.ThrowsAsync<IOException>(async () => _ = await tee.ReadAsync(new byte[16]));
        var pending = pipe.Reader.ReadAsync();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted, "a failed read does not end the copy");

        await tee.AbandonAsync(thrown);
        var seen = await Assert.ThrowsAsync<IOException>(async () => await pending);
        Assert.Same(thrown, seen);
    }

    [Fact]
    public async Task A_consumer_that_stops_early_does_not_stop_the_reads()
    {
        var bytes = new byte[2 * 1024 * 1024];
        new Random(7).NextBytes(bytes);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        await pipe.Reader.CompleteAsync();
        using var tee = new TeeReadStream(new MemoryStream(bytes), pipe.Writer);

        var read = new MemoryStream();
        await tee.CopyToAsync(read).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(bytes, read.ToArray());
    }

    [Fact]
    public async Task Abandoning_ends_the_copy_once_and_a_later_end_is_ignored()
    {
        var pipe = new Pipe();
        using var tee = new TeeReadStream(new MemoryStream(new byte[10]), pipe.Writer);
        var why = new IOException("the write failed");

        await tee.AbandonAsync(why);
        Assert.Equal(10, await tee.ReadAsync(new byte[64]));
        Assert.Equal(0, await tee.ReadAsync(new byte[64]));

        Assert.Same(why, await Assert.ThrowsAsync<IOException>(async () => await pipe.Reader.ReadAsync()));
    }

    private sealed class FailingStream : ReadOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("the disk went away"));
    }
}
