namespace DataGuard.Postgres.Pitr;

/// <summary>
/// Recovery to the latest point ended before the end of the WAL archive it was shown: PostgreSQL opened a copy that
/// lacks the WAL after <see cref="ReachedSegment"/>. The copy is stopped; it must not be used as a primary.
/// </summary>
internal sealed class PitrRecoveryIncompleteException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="PitrRecoveryIncompleteException"/> class.</summary>
    public PitrRecoveryIncompleteException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PitrRecoveryIncompleteException"/> class.</summary>
    /// <param name="message">What happened.</param>
    public PitrRecoveryIncompleteException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PitrRecoveryIncompleteException"/> class.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public PitrRecoveryIncompleteException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the last WAL position replayed.</summary>
    public string? ReachedLsn { get; init; }

    /// <summary>Gets or initializes the segment that holds it.</summary>
    public string? ReachedSegment { get; init; }

    /// <summary>Gets or initializes the newest archived segment recovery should have reached.</summary>
    public string? ArchiveEnd { get; init; }
}
