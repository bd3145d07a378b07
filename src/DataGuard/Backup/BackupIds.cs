using System.Globalization;
using System.Security.Cryptography;
using DataGuard.Storage;

namespace DataGuard.Backup;

/// <summary>Backup ids and where a backup's objects live in storage (the shapes belong to <see cref="StorageLayout"/>).</summary>
internal static class BackupIds
{
    /// <summary>The storage prefix of every backup.</summary>
    public const string Prefix = StorageLayout.Backups;

    /// <summary>The name of a backup's manifest.</summary>
    public const string ManifestName = StorageLayout.BackupManifestName;

    /// <summary>The name of the marker prune leaves in the folder of a backup whose manifest cannot be read (docs/backups.md).</summary>
    public const string QuarantineName = StorageLayout.BackupQuarantineName;

    /// <summary>Makes a new id that sorts by time: <c>20261126T030000Z-logical-3fa9c1</c>.</summary>
    /// <param name="kind">The backup kind.</param>
    /// <param name="startedAt">When the backup started.</param>
    /// <returns>The id.</returns>
    public static string NewId(string kind, DateTimeOffset startedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{startedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{kind}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");

    /// <summary>The key of a backup's manifest.</summary>
    /// <param name="id">The backup id.</param>
    /// <returns>The key.</returns>
    public static string ManifestKey(string id) => StorageLayout.BackupManifest(id);

    /// <summary>The key of a backup's quarantine marker.</summary>
    /// <param name="id">The backup id.</param>
    /// <returns>The key.</returns>
    public static string QuarantineKey(string id) => StorageLayout.BackupQuarantine(id);

    /// <summary>The key of a backup's data.</summary>
    /// <param name="id">The backup id.</param>
    /// <param name="extension">The raw archive's extension, such as <c>pgdump</c>.</param>
    /// <param name="suffix">The stored suffix, such as <c>.zst.enc</c>.</param>
    /// <returns>The key.</returns>
    public static string DataKey(string id, string extension, string suffix) => StorageLayout.BackupData(id, extension, suffix);

    /// <summary>The id of the backup folder a key lies in, or <see langword="null"/>.</summary>
    /// <param name="key">A storage key.</param>
    /// <returns>The id.</returns>
    public static string? IdOf(string key) => StorageLayout.BackupIdOf(key);
}
