namespace DataGuard.Backup;

/// <summary>Options of the section <c>DataGuard:Backup:Retry</c>.</summary>
public sealed class RetryOptions
{
    /// <summary>Gets or sets how many times a scheduled backup is tried in all. Default: 3.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Gets or sets the wait before the first retry; it doubles for each next one. Default: 1 minute.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(1);
}
