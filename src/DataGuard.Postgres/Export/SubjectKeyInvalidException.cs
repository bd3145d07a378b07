namespace DataGuard.Postgres.Export;

/// <summary>A subject key that is not a value of the subject key column's type (<c>abc</c> for an integer key): it names no subject. The message quotes the key: it is for the operator who typed it, not for logs.</summary>
internal sealed class SubjectKeyInvalidException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="SubjectKeyInvalidException"/> class.</summary>
    /// <param name="message">What is wrong, naming the key's type and column.</param>
    /// <param name="innerException">PostgreSQL's refusal to parse the key (SQLSTATE class 22).</param>
    public SubjectKeyInvalidException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "export";
    }
}
