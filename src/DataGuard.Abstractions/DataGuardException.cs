namespace DataGuard;

/// <summary>
/// The base of every error DataGuard raises on purpose. It carries the operation that failed and,
/// where one is involved, the backup id; the provider's own exception is the <see cref="Exception.InnerException"/>.
/// Messages never contain passwords or keys.
/// </summary>
public class DataGuardException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DataGuardException"/> class.</summary>
    public DataGuardException()
        : this("A DataGuard operation failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DataGuardException"/> class.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    public DataGuardException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DataGuardException"/> class.</summary>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="innerException">The exception of the provider that caused it.</param>
    public DataGuardException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets or initializes the operation that failed, such as <c>storage.write</c> or <c>backup</c>.</summary>
    public string? Operation { get; init; }

    /// <summary>Gets or initializes the id of the backup concerned, if any.</summary>
    public string? BackupId { get; init; }
}
