namespace DataGuard.Configuration;

/// <summary>Options of the section <c>DataGuard:Storage:FileSystem</c>.</summary>
public sealed class FileSystemStorageOptions
{
    /// <summary>Gets or sets the folder that holds every object; created when missing. Required for this provider.</summary>
    public string? Root { get; set; }
}
