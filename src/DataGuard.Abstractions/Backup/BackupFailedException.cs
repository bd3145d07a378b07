namespace DataGuard.Backup;

/// <summary>A backup or restore tool failed; the message carries its error output, with secrets removed.</summary>
public sealed class BackupFailedException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="BackupFailedException"/> class.</summary>
    public BackupFailedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupFailedException"/> class.</summary>
    /// <param name="message">What failed.</param>
    public BackupFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupFailedException"/> class.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public BackupFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
