namespace DataGuard.Pitr;

/// <summary>A different file was pushed under the name of an archived WAL file; nothing was overwritten.</summary>
internal sealed class WalArchiveConflictException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class.</summary>
    public WalArchiveConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class.</summary>
    /// <param name="message">What conflicts.</param>
    public WalArchiveConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalArchiveConflictException"/> class.</summary>
    /// <param name="message">What conflicts.</param>
    /// <param name="innerException">The cause.</param>
    public WalArchiveConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
