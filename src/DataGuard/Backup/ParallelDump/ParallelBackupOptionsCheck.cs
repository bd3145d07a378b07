namespace DataGuard.Backup.ParallelDump;

/// <summary>Start-up checks of the parallel-backup options of <see cref="BackupOptions"/>.</summary>
internal static class ParallelBackupOptionsCheck
{
    /// <summary>The most tables dumped or restored at once (each needs a connection and a process).</summary>
    public const int MaxParallelism = 64;

    public static void Validate(BackupOptions backup, string path, List<string> failures)
    {
        if (backup.Parallelism is < 1 or > MaxParallelism)
        {
            failures.Add($"{path}:Parallelism must be between 1 and {MaxParallelism} (is {backup.Parallelism}); 1 is a single streamed archive.");
        }

        if (backup.StagingLimitMegabytes < 1)
        {
            failures.Add($"{path}:StagingLimitMegabytes must be at least 1 (is {backup.StagingLimitMegabytes}).");
        }

        if (!string.IsNullOrWhiteSpace(backup.StagingDirectory) && !Path.IsPathFullyQualified(backup.StagingDirectory))
        {
            failures.Add($"{path}:StagingDirectory must be an absolute path (is '{backup.StagingDirectory}').");
        }
    }
}
