namespace DataGuard.Options;

/// <summary>Options of the section <c>DataGuard:Backup:Compression</c>.</summary>
public sealed class CompressionOptions
{
    /// <summary>Gets or sets the algorithm: <c>Zstd</c> (default) or <c>None</c>.</summary>
    public string Algorithm { get; set; } = "Zstd";

    /// <summary>Gets or sets the zstd level, 1 (fastest) to 19. Default: 3.</summary>
    public int Level { get; set; } = 3;

    /// <summary>Gets or sets the compression threads; 0 for one per processor core. Default: 0.</summary>
    public int Threads { get; set; }
}
