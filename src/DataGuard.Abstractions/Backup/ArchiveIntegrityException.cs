namespace DataGuard.Backup;

/// <summary>
/// A stored archive cannot be trusted or read: checksum or size differ from the manifest, the encryption key is
/// wrong or missing, a byte was changed, or the file was cut short. Raised before a restore touches its target.
/// </summary>
public sealed class ArchiveIntegrityException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="ArchiveIntegrityException"/> class.</summary>
    public ArchiveIntegrityException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ArchiveIntegrityException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    public ArchiveIntegrityException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ArchiveIntegrityException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ArchiveIntegrityException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ArchiveIntegrityException"/> class.</summary>
    /// <param name="problem">The kind of problem.</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ArchiveIntegrityException(ArchiveProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
    }

    /// <summary>Gets the kind of problem.</summary>
    public ArchiveProblem Problem { get; }
}
