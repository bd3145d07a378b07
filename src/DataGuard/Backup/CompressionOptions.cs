namespace DataGuard.Backup;

/// <summary>Options of the section <c>DataGuard:Backup:Compression</c>.</summary>
public sealed class CompressionOptions
{
    /// <summary>Gets or sets the algorithm: <c>Zstd</c> (default) or <c>None</c>.</summary>
    public string Algorithm { get; set; } = "Zstd";

    /// <summary>Gets or sets the zstd level, 1 (fastest) to 19. Default: 3.</summary>
    public int Level { get; set; } = 3;

    /// <summary>Gets or sets the compression threads; 0 for one per processor core. Default: 0.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether compression uses the system's libzstd (<c>libzstd.so.1</c>, 1.5 or
    /// newer, e.g. the zstd package) when it is there, about three times faster than the managed port used
    /// otherwise. Both write standard zstd frames. Default: true.
    /// </summary>
    public bool UseNativeLibrary { get; set; } = true;
}
