namespace DataGuard.Storage;

/// <summary>Options of one <see cref="IBackupStorage.WriteAsync"/> call.</summary>
public sealed record StorageWriteOptions
{
    /// <summary>Gets the default options: overwrite allowed.</summary>
    public static StorageWriteOptions Default { get; } = new();

    /// <summary>Gets the options that refuse to overwrite an existing object.</summary>
    public static StorageWriteOptions CreateOnly { get; } = new() { WriteOnce = true };

    /// <summary>
    /// Gets a value indicating whether an existing object must not be overwritten. On disk this is exact;
    /// on S3 it uses a conditional write where the server honours it, else a check before the write (racy).
    /// </summary>
    public bool WriteOnce { get; init; }

    /// <summary>Gets the media type stored with the object, where the provider keeps one.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// Gets the content's expected length in bytes, when known before it is written (a file's size, a database's size
    /// for its backup); <see langword="null"/> when unknown. Not a limit: the content may be shorter or longer. Stores
    /// that upload in parts of a fixed size use it to choose parts large enough (S3 allows 10,000 parts per object).
    /// </summary>
    public long? ExpectedLength { get; init; }
}
