namespace DataGuard.Postgres.Retention;

/// <summary>Options of the section <c>DataGuard:Retention</c>.</summary>
public sealed class RetentionOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Retention";

    /// <summary>Gets or sets when retention runs (cron, in <c>DataGuard:Backup:TimeZone</c>); empty turns the schedule off. Default: 04:30 every day.</summary>
    public string? Schedule { get; set; } = "30 4 * * *";

    /// <summary>Gets or sets the rows per batch; each batch is its own short transaction. Default: 5,000.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>Gets or sets each batch's lock_timeout: a batch that would wait longer gives way to the application. Default: 2 s.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets each batch's statement_timeout. Default: 30 s.</summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the secret of HMAC anonymization (any text; at least 16 characters). A secret: never logged or
    /// stored. Changing it changes the pseudonyms of rows anonymized from then on.
    /// </summary>
    public string? HmacKey { get; set; }

    /// <summary>Gets or sets a value indicating whether the policies are checked against the catalog when the host starts (a wrong table or column stops the start). Default: true.</summary>
    public bool ValidateCatalogOnStart { get; set; } = true;

    /// <summary>Gets the policies.</summary>
    public List<RetentionPolicyOptions> Policies { get; init; } = [];
}
