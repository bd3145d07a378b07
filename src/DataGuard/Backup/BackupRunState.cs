namespace DataGuard.Backup;

/// <summary>The outcome of this process's latest backup run, for the health check.</summary>
internal sealed class BackupRunState
{
    private readonly Lock _gate = new();

    /// <summary>Gets when the latest run ended, if any ran.</summary>
    public DateTimeOffset? LastRunAt { get; private set; }

    /// <summary>Gets a value indicating whether the latest run failed.</summary>
    public bool LastRunFailed { get; private set; }

    /// <summary>Gets the latest failure's message, if the latest run failed.</summary>
    public string? LastError { get; private set; }

    /// <summary>Records a run's outcome.</summary>
    /// <param name="at">When it ended.</param>
    /// <param name="error">The failure, or <see langword="null"/> for a success.</param>
    public void Record(DateTimeOffset at, string? error)
    {
        lock (_gate)
        {
            LastRunAt = at;
            LastRunFailed = error is not null;
            LastError = error;
        }
    }
}
