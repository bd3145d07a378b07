namespace DataGuard.IntegrationTests.Chaos;

/// <summary>A moment of an operation at which a fault may hit: a condition polled while it runs, then a seeded delay of up to <paramref name="MaxDelayMs"/>.</summary>
/// <param name="Name">What is going on at that moment (printed with every failure).</param>
/// <param name="Reached">Polled every 20 ms while the operation runs.</param>
/// <param name="MaxDelayMs">The fault hits a seeded 0..MaxDelayMs milliseconds after the condition first held.</param>
internal sealed record FaultPoint(string Name, Func<Task<bool>> Reached, int MaxDelayMs)
{
    /// <summary>A point reached as soon as the operation started: the fault hits after a seeded delay alone.</summary>
    public static FaultPoint After(int minMs, int maxMs) => new($"{minMs}..{maxMs} ms after the start", () => Task.FromResult(true), maxMs) { MinDelayMs = minMs };

    /// <summary>Gets the smallest delay.</summary>
    public int MinDelayMs { get; init; }

    /// <summary>
    /// Gets a value indicating whether the condition, once true, stays true (e.g. "2 partitions dropped"). A sticky point
    /// found true only after a fast operation ended still counts: the fault then hits after the end, which the
    /// scenario's invariants cover too, instead of failing the round on a loaded machine.
    /// </summary>
    public bool Sticky { get; init; }
}
