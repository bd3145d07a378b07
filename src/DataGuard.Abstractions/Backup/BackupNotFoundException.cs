namespace DataGuard.Backup;

/// <summary>The backup asked for does not exist (it has no manifest).</summary>
public sealed class BackupNotFoundException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="BackupNotFoundException"/> class.</summary>
    public BackupNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupNotFoundException"/> class.</summary>
    /// <param name="message">What was looked for.</param>
    public BackupNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BackupNotFoundException"/> class.</summary>
    /// <param name="message">What was looked for.</param>
    /// <param name="innerException">The cause.</param>
    public BackupNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
