namespace DataGuard.Storage;

/// <summary>Options of the section <c>DataGuard:Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration path of these options.</summary>
    public const string SectionPath = "DataGuard:Storage";

    /// <summary>The name of the local-disk provider.</summary>
    public const string FileSystemProvider = "FileSystem";

    /// <summary>
    /// Gets or sets the storage provider: <c>FileSystem</c> (built in) or <c>S3</c> (package DataGuard.S3,
    /// registered with <c>AddS3Storage()</c>). When empty: the provider a package registered last (S3 when
    /// <c>AddS3Storage()</c> was called), else FileSystem.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the options of the local-disk provider.</summary>
    public FileSystemStorageOptions FileSystem { get; set; } = new();
}
