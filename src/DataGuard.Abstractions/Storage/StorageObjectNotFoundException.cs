namespace DataGuard.Storage;

/// <summary>No object exists under the key that was read.</summary>
public sealed class StorageObjectNotFoundException : StorageException
{
    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class.</summary>
    public StorageObjectNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class.</summary>
    /// <param name="message">What was looked for.</param>
    public StorageObjectNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StorageObjectNotFoundException"/> class.</summary>
    /// <param name="message">What was looked for.</param>
    /// <param name="innerException">The provider's exception.</param>
    public StorageObjectNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a key at a location.</summary>
    /// <param name="key">The missing key.</param>
    /// <param name="location">The storage location.</param>
    /// <param name="innerException">The provider's exception.</param>
    /// <returns>The exception.</returns>
    public static StorageObjectNotFoundException For(string key, string location, Exception? innerException = null) =>
        new($"No object '{key}' in {location}.", innerException) { Key = key, Location = location, Operation = "storage.read" };
}
