namespace DataGuard.Backup;

/// <summary>A restore was refused before it touched its target (the target holds data, or is the protected database).</summary>
public sealed class RestoreRefusedException : DataGuardException
{
    /// <summary>Initializes a new instance of the <see cref="RestoreRefusedException"/> class.</summary>
    public RestoreRefusedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RestoreRefusedException"/> class.</summary>
    /// <param name="message">Why.</param>
    public RestoreRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RestoreRefusedException"/> class.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The cause.</param>
    public RestoreRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
