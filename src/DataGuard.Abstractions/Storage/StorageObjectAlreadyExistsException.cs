namespace DataGuard.Storage;

/// <summary>A write-once write found an object already under its key; nothing was overwritten.</summary>
public sealed class StorageObjectAlreadyExistsException : StorageException
{
    /// <summary>Initializes a new instance of the <see cref="StorageObjectAlreadyExistsException"/> class.</summary>
    public StorageObjectAlreadyExistsException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectAlreadyExistsException"/> class.</summary>
    /// <param name="message">What was refused.</param>
    public StorageObjectAlreadyExistsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectAlreadyExistsException"/> class.</summary>
    /// <param name="message">What was refused.</param>
    /// <param name="innerException">The provider's exception.</param>
    public StorageObjectAlreadyExistsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a key at a location.</summary>
    /// <param name="key">The existing key.</param>
    /// <param name="location">The storage location.</param>
    /// <param name="innerException">The provider's exception.</param>
    /// <returns>The exception.</returns>
    public static StorageObjectAlreadyExistsException For(string key, string location, Exception? innerException = null) =>
        new($"Object '{key}' already exists in {location} and the write is write-once; nothing was overwritten.", innerException)
        {
            Key = key,
            Location = location,
            Operation = "storage.write",
        };
}
