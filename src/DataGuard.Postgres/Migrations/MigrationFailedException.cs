namespace DataGuard.Postgres.Migrations;

/// <summary>A migration's up or down script failed; the ledger records it.</summary>
public sealed class MigrationFailedException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="MigrationFailedException"/> class.</summary>
    public MigrationFailedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationFailedException"/> class.</summary>
    /// <param name="message">What failed.</param>
    public MigrationFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationFailedException"/> class.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public MigrationFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
