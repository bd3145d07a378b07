using System.Globalization;

namespace DataGuard.Storage;

/// <summary>
/// Where everything DataGuard keeps lives in storage (inside the bucket or root, under the configured prefix): the
/// one place that spells the prefixes and the key shapes. Nothing else builds a key from a literal folder name.
/// </summary>
/// <remarks>
/// <code>
/// backups/&lt;backup-id&gt;/data.&lt;ext&gt;&lt;suffix&gt;   the archive
/// backups/&lt;backup-id&gt;/manifest.json          written last: a backup exists only once its manifest exists
/// backups/&lt;backup-id&gt;/quarantine.json        prune's marker in the folder of a backup whose manifest cannot be read
/// wal/&lt;timeline&gt;/&lt;file&gt;&lt;suffix&gt;             archived WAL segments, history and backup history files
/// exports/&lt;job-id&gt;/&lt;attempt&gt;/export.&lt;ext&gt;   self-service export artifacts, one folder per attempt
/// archive/&lt;policy&gt;/&lt;yyyy-MM-dd&gt;/...        rows archived by retention before deletion
/// drills/&lt;drill-id&gt;.json                     restore drill reports
/// pitr/restore-points/&lt;name&gt;.json           named restore points
/// supabase-storage/&lt;bucket&gt;/...             reserved: copies of Supabase Storage objects
/// _dataguard-probe/...                       short-lived objects of the storage probe (doctor)
/// </code>
/// The layout is a contract with existing deployments: a key shape never changes without a migration of the stored
/// objects.
/// </remarks>
internal static class StorageLayout
{
    /// <summary>The prefix of every backup folder.</summary>
    public const string Backups = "backups/";

    /// <summary>The name of a backup's manifest in its folder.</summary>
    public const string BackupManifestName = "manifest.json";

    /// <summary>The name of the quarantine marker prune leaves in the folder of a backup whose manifest cannot be read.</summary>
    public const string BackupQuarantineName = "quarantine.json";

    /// <summary>The prefix of the WAL archive.</summary>
    public const string Wal = "wal/";

    /// <summary>The prefix of self-service export artifacts.</summary>
    public const string Exports = "exports/";

    /// <summary>The prefix of rows archived by retention.</summary>
    public const string Archive = "archive/";

    /// <summary>The prefix of restore drill reports.</summary>
    public const string Drills = "drills/";

    /// <summary>The prefix of named restore points.</summary>
    public const string RestorePoints = "pitr/restore-points/";

    /// <summary>The prefix of copies of Supabase Storage objects (DataGuard.Supabase).</summary>
    public const string SupabaseStorage = "supabase-storage/";

    /// <summary>The prefix of the manifests of Supabase Storage copies.</summary>
    public const string SupabaseStorageCopies = SupabaseStorage + "copies/";

    /// <summary>The manifest of one Supabase Storage copy, written last.</summary>
    public static string SupabaseStorageManifest(string copyId) => $"{SupabaseStorageCopies}{copyId}/manifest.json";

    /// <summary>The bytes of one version of one Supabase Storage object, shared by the copies that found it unchanged.</summary>
    public static string SupabaseStorageBlob(string bucket, string versionHash) => $"{SupabaseStorage}objects/{bucket}/{versionHash}";

    /// <summary>The prefix of the storage probe's short-lived objects.</summary>
    public const string Probe = "_dataguard-probe/";

    /// <summary>A backup's folder: <c>backups/&lt;id&gt;/</c>.</summary>
    public static string BackupFolder(string backupId) => $"{Backups}{backupId}/";

    /// <summary>A backup's manifest: <c>backups/&lt;id&gt;/manifest.json</c>.</summary>
    public static string BackupManifest(string backupId) => BackupFolder(backupId) + BackupManifestName;

    /// <summary>A backup's quarantine marker: <c>backups/&lt;id&gt;/quarantine.json</c>.</summary>
    public static string BackupQuarantine(string backupId) => BackupFolder(backupId) + BackupQuarantineName;

    /// <summary>A backup's data: <c>backups/&lt;id&gt;/data.&lt;extension&gt;&lt;suffix&gt;</c>, such as <c>data.pgdump.zst.enc</c>.</summary>
    public static string BackupData(string backupId, string extension, string suffix) => $"{BackupFolder(backupId)}data.{extension}{suffix}";

    /// <summary>The key of one file of a parallel backup's dump directory: <c>backups/&lt;id&gt;/dir/&lt;file&gt;&lt;suffix&gt;</c>.</summary>
    /// <param name="backupId">The backup id.</param>
    /// <param name="fileName">The file's name in the dump directory, such as <c>toc.dat</c>.</param>
    /// <param name="suffix">The codec's suffix, such as <c>.zst.enc</c>.</param>
    /// <returns>The key.</returns>
    public static string BackupDirectoryObject(string backupId, string fileName, string suffix) => $"{BackupFolder(backupId)}dir/{fileName}{suffix}";

    /// <summary>The id of the backup folder a key lies in, or <see langword="null"/>.</summary>
    public static string? BackupIdOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(Backups, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = key.IndexOf('/', Backups.Length);
        return slash < 0 ? null : key[Backups.Length..slash];
    }

    /// <summary>An archived WAL file: <c>wal/&lt;timeline&gt;/&lt;name&gt;&lt;suffix&gt;</c>.</summary>
    public static string WalFile(string timeline, string name, string suffix) => $"{Wal}{timeline}/{name}{suffix}";

    /// <summary>An export job's folder: <c>exports/&lt;job-id&gt;/</c>.</summary>
    public static string ExportJob(Guid jobId) => $"{Exports}{jobId}/";

    /// <summary>One attempt's folder of an export job: <c>exports/&lt;job-id&gt;/&lt;attempt&gt;/</c>.</summary>
    public static string ExportAttempt(Guid jobId, int attempt) => $"{ExportJob(jobId)}{attempt.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>An export artifact: <c>exports/&lt;job-id&gt;/&lt;attempt&gt;/export&lt;file-extension&gt;</c>.</summary>
    public static string ExportArtifact(Guid jobId, int attempt, string fileExtension) => $"{ExportAttempt(jobId, attempt)}export{fileExtension}";

    /// <summary>The export job a key lies under, or <see langword="null"/>.</summary>
    public static Guid? ExportJobIdOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        return parts.Length >= 3 && parts[0] + "/" == Exports && Guid.TryParse(parts[1], out var id) ? id : null;
    }

    /// <summary>The folder of one retention run's archived rows: <c>archive/&lt;policy&gt;/&lt;yyyy-MM-dd&gt;/</c> (the run's UTC date).</summary>
    public static string ArchiveFolder(string policy, DateTimeOffset runStarted) =>
        $"{Archive}{policy}/{runStarted.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/";

    /// <summary>A drill report: <c>drills/&lt;drill-id&gt;.json</c>.</summary>
    public static string DrillReport(string drillId) => $"{Drills}{drillId}.json";

    /// <summary>A restore point's record: <c>pitr/restore-points/&lt;name&gt;.json</c>.</summary>
    public static string RestorePoint(string name) => $"{RestorePoints}{name}.json";
}
