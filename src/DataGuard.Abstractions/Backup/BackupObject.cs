namespace DataGuard.Backup;

/// <summary>
/// One stored object of a parallel (directory-format) backup: a file of the dump directory (<c>toc.dat</c>, one table's
/// data file), compressed and encrypted on its own and bound to its backup id and name.
/// </summary>
public sealed record BackupObject
{
    /// <summary>Gets the file's name in the dump directory, such as <c>toc.dat</c> or <c>4211.dat</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the storage key of the object.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the size of the file before compression and encryption.</summary>
    public required long RawSize { get; init; }

    /// <summary>Gets the size of the stored object.</summary>
    public required long StoredSize { get; init; }

    /// <summary>Gets the SHA-256 of the stored object, lower-case hexadecimal.</summary>
    public required string Sha256 { get; init; }
}
