namespace DataGuard.Export;

/// <summary>The subject of an export does not exist: no artifact is produced.</summary>
public sealed class SubjectNotFoundException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="SubjectNotFoundException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SubjectNotFoundException(string message)
        : base(message)
    {
    }
}
