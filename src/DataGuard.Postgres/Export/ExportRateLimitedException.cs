namespace DataGuard.Postgres.Export;

/// <summary>A subject asked for an export again too soon.</summary>
public sealed class ExportRateLimitedException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="ExportRateLimitedException"/> class.</summary>
    /// <param name="retryAfter">When the subject may ask again.</param>
    public ExportRateLimitedException(DateTimeOffset retryAfter)
        : base($"An export was requested recently; try again after {retryAfter:u}.")
    {
        RetryAfter = retryAfter;
        Operation = "export";
    }

    /// <summary>Gets when the subject may ask again.</summary>
    public DateTimeOffset RetryAfter { get; }
}
