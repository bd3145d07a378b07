namespace DataGuard.Pitr;

/// <summary>What a WAL push did.</summary>
/// <param name="Name">The WAL file's name.</param>
/// <param name="Key">Its storage key.</param>
/// <param name="Outcome">Archived now, or found already archived with the same content.</param>
/// <param name="RawSize">The file's size.</param>
/// <param name="StoredSize">The stored object's size.</param>
internal sealed record WalPushResult(string Name, string Key, WalPushOutcome Outcome, long RawSize, long StoredSize);
