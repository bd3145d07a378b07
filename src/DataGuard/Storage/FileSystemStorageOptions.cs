namespace DataGuard.Storage;

/// <summary>Options of the section <c>DataGuard:Storage:FileSystem</c>.</summary>
public sealed class FileSystemStorageOptions
{
    /// <summary>Gets or sets the folder that holds every object; created when missing. Required for this provider.</summary>
    public string? Root { get; set; }

    /// <summary>
    /// Gets or sets the mode of the files written, in octal (default <c>0600</c>: the owner only), whatever the process's
    /// umask. Backups and exports hold personal data: widen it (<c>0640</c>) only for a group that must read them.
    /// </summary>
    public string FileMode { get; set; } = "0600";

    /// <summary>
    /// Gets or sets the mode of the directories created (the root included, when missing), in octal (default
    /// <c>0700</c>). <c>2750</c> shares them with the directory's group.
    /// </summary>
    public string DirectoryMode { get; set; } = "0700";
}
