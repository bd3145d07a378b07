namespace DataGuard.Postgres.Retention;

/// <summary>What the committed batches of a policy did so far (kept when a later batch fails).</summary>
internal sealed class BatchTotals(Action<BatchTotals>? onBatch = null)
{
    public long Rows { get; private set; }

    public int Batches { get; private set; }

    public long LongestMs { get; private set; }

    public void Add(long rows, long milliseconds)
    {
        Rows += rows;
        Batches++;
        LongestMs = Math.Max(LongestMs, milliseconds);
        onBatch?.Invoke(this);
    }
}
