namespace DataGuard.Postgres.Backup;

/// <summary>
/// Reads a stream once while keeping what was read (up to a limit), so that the head of an archive can be read twice:
/// first by <c>pg_restore --list</c>, which stops after the table of contents, then, replayed in front of the rest, by
/// the restore itself. Memory stays bounded by the table of contents plus one read.
/// </summary>
internal sealed class RecordingReadStream(Stream inner, long limit) : Stream
{
    private readonly MemoryStream _recorded = new();
    private bool _recording = true;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Stops recording and returns a stream of what was read followed by the rest of the inner stream.</summary>
    /// <returns>The whole stream again, from its start.</returns>
    public Stream Replay()
    {
        _recording = false;
        _recorded.Position = 0;
        return new ConcatenatedReadStream(_recorded, inner);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Record(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Record(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Record(ReadOnlySpan<byte> bytes)
    {
        if (!_recording)
        {
            return;
        }

        if (_recorded.Length + bytes.Length > limit)
        {
            throw new InvalidDataException($"The archive's table of contents is larger than {limit / (1024 * 1024)} MiB; a preset restore reads it twice and keeps it in memory.");
        }

        _recorded.Write(bytes);
    }

    private sealed class ConcatenatedReadStream(Stream first, Stream second) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = first.Read(buffer);
            return read > 0 ? read : second.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await first.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return read > 0 ? read : await second.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
}
