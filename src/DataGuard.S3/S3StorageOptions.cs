namespace DataGuard.S3;

/// <summary>Options of the section <c>DataGuard:Storage:S3</c>.</summary>
public sealed class S3StorageOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Storage:S3";

    /// <summary>The provider name that selects this storage in <c>DataGuard:Storage:Provider</c>.</summary>
    public const string ProviderName = "S3";

    /// <summary>The smallest part S3 accepts, except for the last one: 5 MiB.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>Gets or sets the bucket. Required.</summary>
    public string? Bucket { get; set; }

    /// <summary>Gets or sets the key prefix every object goes under, such as <c>prod/app</c>; empty for the bucket's root.</summary>
    public string? Prefix { get; set; }

    /// <summary>Gets or sets the region, such as <c>eu-west-1</c>. Default: the SDK's own (environment, profile), else <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets the endpoint of an S3-compatible server (MinIO, Ceph, R2, ...), such as <c>http://127.0.0.1:9000</c>.
    /// When set, the SDK's checksum headers and chunked payloads (which several such servers mishandle) are turned off.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Gets or sets a value indicating whether to address the bucket in the path rather than the host name. Default: on for a <see cref="ServiceUrl"/>.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>Gets or sets an access key id; leave empty to use the AWS SDK's credential chain (environment, profile, instance role).</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Gets or sets the secret access key that goes with <see cref="AccessKeyId"/>. Never logged.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>
    /// Gets or sets the size of each multipart upload part, in bytes. Default 8 MiB; at least 5 MiB. Every part but the
    /// last has this size, so one object holds at most 10,000 x this (78 GiB at 8 MiB), unless the writer gave an
    /// expected length that needs larger parts (<see cref="Storage.StorageWriteOptions.ExpectedLength"/>; backups do).
    /// </summary>
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how many parts upload at once. Default 2. Memory used by one write is at most (this + 1) x
    /// <see cref="PartSize"/>; when an expected length needs larger parts (up to 512 MiB), fewer upload at once, as many
    /// as stay within that but at least one while the next fills (two raised parts' worth).
    /// </summary>
    public int MaxConcurrentParts { get; set; } = 2;

    /// <summary>Gets or sets server-side encryption for real S3: empty (the bucket's default), <c>AES256</c> or <c>aws:kms</c>.</summary>
    public string? ServerSideEncryption { get; set; }

    /// <summary>Gets or sets the KMS key id for <c>aws:kms</c>; empty for the account's default key.</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>Gets or sets the storage class, such as <c>STANDARD_IA</c>; empty for the bucket's default.</summary>
    public string? StorageClass { get; set; }

    /// <summary>Gets or sets how many times the SDK retries a transient fault (5xx, throttling, connection reset). Default 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>Gets or sets the timeout of one HTTP request. Default 5 minutes.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
