namespace DataGuard.Backup;

/// <summary>How an archive is encrypted: the algorithm and the id of the key (never the key).</summary>
/// <param name="Algorithm">The format, <c>aes-256-gcm-chunked</c> (docs/formats.md).</param>
/// <param name="KeyId">The id of the key.</param>
public sealed record BackupEncryption(string Algorithm, string KeyId);
