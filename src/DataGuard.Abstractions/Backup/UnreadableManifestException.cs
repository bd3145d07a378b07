namespace DataGuard.Backup;

/// <summary>
/// A backup's manifest exists but cannot be read or trusted (corrupt, cut short, from a newer DataGuard, or failing
/// authentication). Nothing of the backup is used, and nothing of it is deleted: it stays quarantined.
/// </summary>
public sealed class UnreadableManifestException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="UnreadableManifestException"/> class.</summary>
    public UnreadableManifestException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnreadableManifestException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    public UnreadableManifestException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UnreadableManifestException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public UnreadableManifestException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
