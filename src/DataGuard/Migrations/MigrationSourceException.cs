namespace DataGuard.Migrations;

/// <summary>The migration files are inconsistent (two ups for one version, a down without an up, ...).</summary>
public sealed class MigrationSourceException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="MigrationSourceException"/> class.</summary>
    public MigrationSourceException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationSourceException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    public MigrationSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MigrationSourceException"/> class.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public MigrationSourceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
