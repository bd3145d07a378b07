namespace DataGuard.Storage;

/// <summary>What a write stored: computed from the bytes as they were streamed.</summary>
/// <param name="Key">The object key.</param>
/// <param name="Size">The number of bytes written.</param>
/// <param name="Sha256">The SHA-256 of the bytes written, lower-case hexadecimal.</param>
public sealed record StorageWriteResult(string Key, long Size, string Sha256);
