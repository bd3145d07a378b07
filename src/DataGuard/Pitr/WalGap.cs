namespace DataGuard.Pitr;

/// <summary>A run of missing WAL segments: recovery cannot pass it.</summary>
/// <param name="From">The first missing segment.</param>
/// <param name="To">The last missing segment.</param>
/// <param name="Count">How many are missing.</param>
internal sealed record WalGap(string From, string To, ulong Count);
