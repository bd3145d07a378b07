using DataGuard.IO;

namespace DataGuard.Backup.ParallelDump;

/// <summary>The private local folders of parallel backups and restores (mode 0700, deleted after use).</summary>
internal static class StagingFolder
{
    /// <summary>Makes <c>dataguard-&lt;name&gt;-&lt;random&gt;</c> in <paramref name="root"/> (default: the temporary folder).</summary>
    /// <param name="root">DataGuard:Backup:StagingDirectory, or <see langword="null"/>.</param>
    /// <param name="name">What it is for.</param>
    /// <returns>Its path.</returns>
    public static string Create(string? root, string name)
    {
        var parent = string.IsNullOrWhiteSpace(root) ? Path.GetTempPath() : root;
        Directory.CreateDirectory(parent);
        var path = Path.Combine(parent, $"dataguard-{name}-{Guid.NewGuid():N}");
        PrivateFiles.CreateDirectory(path);
        return path;
    }

    /// <summary>Deletes a staging folder and what is left in it; a failure to delete is not an error of the operation.</summary>
    /// <param name="path">The folder.</param>
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the operator; it holds no secret (pg_dump's files are as readable as the backup's own data).
        }
    }
}
