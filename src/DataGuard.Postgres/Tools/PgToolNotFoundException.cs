namespace DataGuard.Postgres.Tools;

/// <summary>A PostgreSQL tool (pg_dump, pg_restore, ...) was not found or cannot handle the server.</summary>
internal sealed class PgToolNotFoundException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="PgToolNotFoundException"/> class.</summary>
    public PgToolNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PgToolNotFoundException"/> class.</summary>
    /// <param name="message">What is missing and where it was looked for.</param>
    public PgToolNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PgToolNotFoundException"/> class.</summary>
    /// <param name="message">What is missing and where it was looked for.</param>
    /// <param name="innerException">The cause.</param>
    public PgToolNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
