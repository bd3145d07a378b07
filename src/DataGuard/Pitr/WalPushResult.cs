namespace DataGuard.Pitr;

/// <summary>What a WAL push did.</summary>
/// <param name="Name">The WAL file's name.</param>
/// <param name="Key">Its storage key.</param>
/// <param name="Outcome">Archived now, or found already archived with the same content.</param>
/// <param name="RawSize">The file's size.</param>
/// <param name="StoredSize">The stored object's size.</param>
/// <param name="ContentSha256">
/// The SHA-256 of the bytes the archive holds for the file (read from the file while it was pushed, or compared with the
/// archived copy), when the push was asked for it or the file was already archived; otherwise <see langword="null"/>.
/// </param>
internal sealed record WalPushResult(string Name, string Key, WalPushOutcome Outcome, long RawSize, long StoredSize, byte[]? ContentSha256 = null);
