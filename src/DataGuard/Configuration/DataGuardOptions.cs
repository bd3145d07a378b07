namespace DataGuard.Configuration;

/// <summary>
/// The root of DataGuard's options, bound from the configuration section <c>DataGuard</c>
/// (appsettings.json, environment variables such as <c>DataGuard__Storage__Provider</c>) and from code.
/// Provider packages bind their own parts (<c>DataGuard:Postgres</c>, <c>DataGuard:Storage:S3</c>).
/// </summary>
public sealed class DataGuardOptions
{
    /// <summary>The configuration section DataGuard reads.</summary>
    public const string SectionName = "DataGuard";

    /// <summary>Gets or sets where archives live.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>Gets or sets how and when backups are made and kept.</summary>
    public BackupOptions Backup { get; set; } = new();

    /// <summary>Gets or sets point-in-time recovery.</summary>
    public PitrOptions Pitr { get; set; } = new();
}
