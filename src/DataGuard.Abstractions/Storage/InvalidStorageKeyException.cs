namespace DataGuard.Storage;

/// <summary>A storage key or prefix breaks the rules of <see cref="StorageKeys"/>; nothing was done.</summary>
public sealed class InvalidStorageKeyException : StorageException
{
    /// <summary>Initializes a new instance of the <see cref="InvalidStorageKeyException"/> class.</summary>
    public InvalidStorageKeyException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidStorageKeyException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    public InvalidStorageKeyException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidStorageKeyException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidStorageKeyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidStorageKeyException"/> class.</summary>
    /// <param name="key">The rejected key.</param>
    /// <param name="problem">The rule it breaks.</param>
    internal InvalidStorageKeyException(string? key, string problem)
        : base($"Invalid storage key '{Printable(key)}': {problem}.")
    {
        Key = key;
        Operation = "storage.key";
    }

    private static string Printable(string? key) =>
        key is null ? "(null)" : new string([.. key.Select(c => char.IsControl(c) ? '?' : c)]);
}
