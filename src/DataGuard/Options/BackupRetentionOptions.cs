namespace DataGuard.Options;

/// <summary>Options of the section <c>DataGuard:Backup:Retention</c>.</summary>
public sealed class BackupRetentionOptions
{
    /// <summary>Gets or sets how many days every backup is kept. Default: 30.</summary>
    public int Days { get; set; } = 30;

    /// <summary>Gets or sets the number of newest verified backups never deleted, whatever their age. Default: 3.</summary>
    public int MinimumCount { get; set; } = 3;
}
