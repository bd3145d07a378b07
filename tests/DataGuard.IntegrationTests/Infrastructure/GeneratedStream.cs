using System.Security.Cryptography;

namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>
/// A non-seekable stream of <c>length</c> pseudo-random bytes from a seed, read in irregular chunks, that can throw or
/// call back once a given number of bytes has been read. Stands in for pg_dump's stdout.
/// </summary>
public sealed class GeneratedStream(long length, int seed = 1) : Stream
{
    private readonly Random _random = new(seed);
    private long _position;

    public long? ThrowAfter { get; init; }

    public long? CallbackAfter { get; init; }

    public Action? Callback { get; init; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of the bytes a fresh stream with this length and seed yields.</summary>
    public static string ExpectedSha256(long length, int seed = 1)
    {
        using var stream = new GeneratedStream(length, seed);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static byte[] Bytes(long length, int seed = 1)
    {
        using var stream = new GeneratedStream(length, seed);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (ThrowAfter is { } limit && _position >= limit)
        {
            throw new IOException("simulated failure of the source stream");
        }

        if (CallbackAfter is { } at && _position >= at)
        {
            Callback?.Invoke();
        }

        // Irregular chunk sizes, like a pipe.
        var chunk = (int)Math.Min(Math.Min(buffer.Length, 97_000 + (_position % 13_000)), length - _position);
        if (chunk <= 0)
        {
            return 0;
        }

        _random.NextBytes(buffer[..chunk]);
        _position += chunk;
        return chunk;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
