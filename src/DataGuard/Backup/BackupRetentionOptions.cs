namespace DataGuard.Backup;

/// <summary>
/// Options of the section <c>DataGuard:Backup:Retention</c>. A backup is kept when any rule keeps it: younger than
/// <see cref="Days"/>; the newest of one of the last <see cref="KeepDaily"/> days, <see cref="KeepWeekly"/> weeks or
/// <see cref="KeepMonthly"/> months; one of the <see cref="MinimumCount"/> newest verified; or the newest verified.
/// </summary>
public sealed class BackupRetentionOptions
{
    /// <summary>Gets or sets how many days every backup is kept. Default: 30.</summary>
    public int Days { get; set; } = 30;

    /// <summary>Gets or sets how many daily backups (the newest of each day) are kept beyond <see cref="Days"/>. Default: 7.</summary>
    public int KeepDaily { get; set; } = 7;

    /// <summary>Gets or sets how many weekly backups (the newest of each ISO week) are kept. Default: 4.</summary>
    public int KeepWeekly { get; set; } = 4;

    /// <summary>Gets or sets how many monthly backups (the newest of each month) are kept. Default: 12.</summary>
    public int KeepMonthly { get; set; } = 12;

    /// <summary>Gets or sets the number of newest verified backups never deleted, whatever their age. Default: 3.</summary>
    public int MinimumCount { get; set; } = 3;

    /// <summary>Gets or sets how old data without a manifest must be before prune removes it (a backup may be in progress). Default: 6 hours.</summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(6);
}
