namespace DataGuard.Supabase;

/// <summary>Options of the section <c>DataGuard:Supabase</c>.</summary>
public sealed class SupabaseOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Supabase";

    /// <summary>The public Management API.</summary>
    public const string DefaultManagementApiUrl = "https://api.supabase.com";

    /// <summary>
    /// Gets or sets the project's reference (the 20 lower-case letters of <c>https://&lt;ref&gt;.supabase.co</c>). Needed for
    /// the platform status; optional for database backups alone.
    /// </summary>
    public string? ProjectRef { get; set; }

    /// <summary>
    /// Gets or sets a personal access token (<c>sbp_...</c>) or OAuth token of the Management API. A secret: keep it in the
    /// environment (<c>DataGuard__Supabase__AccessToken</c>) or a secret store; DataGuard never prints it.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>Gets or sets the Management API's base URL. Default: <c>https://api.supabase.com</c>.</summary>
    public string ManagementApiUrl { get; set; } = DefaultManagementApiUrl;

    /// <summary>Gets or sets how long a Management API call may take. Default: 30 seconds.</summary>
    public TimeSpan ManagementApiTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many times a call answered 429 (rate limited) is retried after the wait the API asks for. Default: 3.</summary>
    public int MaxRateLimitRetries { get; set; } = 3;

    /// <summary>
    /// Gets or sets the recovery point objective the platform's own newest completed backup is held to in the status
    /// and the <c>dataguard-supabase</c> health check. Default: 26 hours (the platform backs up daily; two hours for the run).
    /// </summary>
    public TimeSpan PlatformBackupRpo { get; set; } = TimeSpan.FromHours(26);

    /// <summary>Gets or sets how a logical backup is restored into another project or a plain PostgreSQL.</summary>
    public SupabaseRestoreOptions Restore { get; set; } = new();

    /// <summary>Gets or sets the copies of Storage buckets.</summary>
    public SupabaseStorageOptions Storage { get; set; } = new();
}
