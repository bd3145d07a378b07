namespace DataGuard.Storage;

/// <summary>A storage operation failed. Names the key and the storage location, never credentials.</summary>
public class StorageException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class.</summary>
    public StorageException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The provider's exception.</param>
    public StorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the key concerned, if any.</summary>
    public string? Key { get; init; }

    /// <summary>Gets or initializes the storage location (for example <c>s3://bucket/prefix at http://host:port</c>).</summary>
    public string? Location { get; init; }
}
