namespace DataGuard.Pitr;

/// <summary>The WAL file asked for is not in the archive (for <c>restore_command</c>: the end of the archived WAL).</summary>
internal sealed class WalSegmentNotFoundException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="WalSegmentNotFoundException"/> class.</summary>
    public WalSegmentNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalSegmentNotFoundException"/> class.</summary>
    /// <param name="message">What is missing.</param>
    public WalSegmentNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalSegmentNotFoundException"/> class.</summary>
    /// <param name="message">What is missing.</param>
    /// <param name="innerException">The cause.</param>
    public WalSegmentNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
