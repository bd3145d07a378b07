namespace DataGuard.Supabase;

/// <summary>Options of the section <c>DataGuard:Supabase:Storage</c>: where the project's Storage buckets are read and written.</summary>
public sealed class SupabaseStorageOptions
{
    /// <summary>
    /// Gets or sets the project's S3-compatible Storage endpoint, <c>https://&lt;ref&gt;.storage.supabase.co/storage/v1/s3</c>.
    /// Either this (with <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/>) or <see cref="RestUrl"/> (with
    /// <see cref="ServiceKey"/>) is needed to copy buckets.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the project's region, such as <c>eu-central-1</c> (the S3 endpoint signs with it). Default: <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>Gets or sets the S3 access key id made in the dashboard (Storage, S3 connection).</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Gets or sets the S3 secret access key. A secret: never printed.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>
    /// Gets or sets the project's Storage REST API, <c>https://&lt;ref&gt;.supabase.co/storage/v1</c>, used when no S3
    /// endpoint is configured.
    /// </summary>
    public string? RestUrl { get; set; }

    /// <summary>Gets or sets the key the REST API is called with (the <c>service_role</c> key, which bypasses Storage policies). A secret: never printed.</summary>
    public string? ServiceKey { get; set; }

    /// <summary>Gets the buckets to copy; empty for every bucket of the project.</summary>
    public List<string> Buckets { get; init; } = [];
}
