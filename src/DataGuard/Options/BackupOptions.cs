namespace DataGuard.Options;

/// <summary>Options of the section <c>DataGuard:Backup</c>.</summary>
public sealed class BackupOptions
{
    /// <summary>
    /// Gets or sets when scheduled backups run: a five-field cron expression (minute hour day month weekday),
    /// or empty to turn scheduled backups off. Default: every day at 03:00.
    /// </summary>
    public string? Schedule { get; set; } = "0 3 * * *";

    /// <summary>Gets or sets the time zone the schedule is read in (IANA or Windows id). Default: UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Gets or sets how long backups are kept.</summary>
    public BackupRetentionOptions Retention { get; set; } = new();
}
