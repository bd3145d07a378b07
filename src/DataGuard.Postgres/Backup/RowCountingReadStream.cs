using DataGuard.IO;

namespace DataGuard.Postgres.Backup;

/// <summary>Passes pg_dump's output through unchanged, showing every byte read to a <see cref="PgDumpRowCounter"/> on the way.</summary>
internal sealed class RowCountingReadStream(Stream inner, PgDumpRowCounter counter) : ReadOnlyStream
{
    /// <summary>Gets a value indicating whether the inner stream was read to its end.</summary>
    public bool ReachedEnd { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            ReachedEnd = buffer.Length > 0 || ReachedEnd;
        }
        else
        {
            counter.Feed(buffer.Span[..read]);
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
