namespace DataGuard.Configuration;

/// <summary>
/// The options of the section <c>DataGuard</c> itself. Every feature binds its own section below it
/// (<c>DataGuard:Storage</c>, <c>DataGuard:Backup</c>, <c>DataGuard:Pitr</c>, and in the provider packages
/// <c>DataGuard:Postgres</c>, <c>DataGuard:Retention</c>, ...), each with its own validator.
/// </summary>
public sealed class DataGuardOptions
{
    /// <summary>The configuration section DataGuard reads.</summary>
    public const string SectionName = "DataGuard";

    /// <summary>
    /// Gets or sets the one time zone of DataGuard (IANA or Windows id): every schedule is read in it, and so are
    /// <c>timestamp without time zone</c> and <c>date</c> columns unless a retention policy names its own. Default: UTC.
    /// </summary>
    public string TimeZone { get; set; } = "UTC";
}
