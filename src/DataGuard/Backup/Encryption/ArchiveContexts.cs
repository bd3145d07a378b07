namespace DataGuard.Backup.Encryption;

/// <summary>
/// What an encrypted archive is bound to (docs/formats.md): recorded in its header, authenticated with every chunk,
/// and compared with what the reader expects, so that an archive copied over another backup's or WAL file's is refused.
/// </summary>
internal static class ArchiveContexts
{
    /// <summary>The context of a backup's data archive: <c>backup:&lt;id&gt;</c>.</summary>
    /// <param name="backupId">The backup id.</param>
    /// <returns>The context.</returns>
    public static string Backup(string backupId) => $"backup:{backupId}";

    /// <summary>The context of one object of a parallel backup: <c>backup:&lt;id&gt;/&lt;file name&gt;</c> (ids hold no <c>/</c>).</summary>
    /// <param name="backupId">The backup id.</param>
    /// <param name="fileName">The file's name in the dump directory, such as <c>toc.dat</c>.</param>
    /// <returns>The context.</returns>
    public static string BackupObject(string backupId, string fileName) => $"backup:{backupId}/{fileName}";

    /// <summary>The context of an archived WAL file: <c>wal:&lt;file name&gt;</c> (the name carries the timeline).</summary>
    /// <param name="walFileName">The WAL file's name, such as <c>000000010000000000000003</c>.</param>
    /// <returns>The context.</returns>
    public static string Wal(string walFileName) => $"wal:{walFileName}";

    /// <summary>The context of any other object: <c>object:&lt;storage key&gt;</c>.</summary>
    /// <param name="key">The object's storage key.</param>
    /// <returns>The context.</returns>
    public static string StorageObject(string key) => $"object:{key}";
}
