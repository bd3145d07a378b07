namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// A backup provider that can also dump into a directory with several jobs (<c>pg_dump -Fd -j N</c>) and restore from
/// one (<c>pg_restore -Fd -j N</c>): what <c>DataGuard:Backup:Parallelism</c> above 1 uses.
/// </summary>
internal interface IDirectoryBackupProvider
{
    /// <summary>Starts a dump into <paramref name="directory"/> (which must not exist yet) with <paramref name="jobs"/> jobs.</summary>
    /// <param name="directory">Where the tool writes; it creates the directory.</param>
    /// <param name="jobs">How many tables are dumped at once.</param>
    /// <param name="cancellationToken">Stops the dump.</param>
    /// <returns>The running dump.</returns>
    Task<DirectoryBackupSource> StartDirectoryBackupAsync(string directory, int jobs, CancellationToken cancellationToken);

    /// <summary>Reads a dump directory's table of contents (only <c>toc.dat</c> needs to be there).</summary>
    /// <param name="directory">The directory.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>What it holds.</returns>
    Task<DirectoryContents> InspectDirectoryAsync(string directory, CancellationToken cancellationToken);

    /// <summary>
    /// Restores a dump directory: with <paramref name="jobs"/> above 1, <c>pg_restore -j</c> (not one transaction: only
    /// into a database the restore created, which is dropped when it fails); with 1, in one transaction.
    /// </summary>
    /// <param name="directory">The directory; its data files may be named pipes, opened as the tool needs them.</param>
    /// <param name="jobs">How many tables are loaded at once.</param>
    /// <param name="request">Where to restore.</param>
    /// <param name="cancellationToken">Stops the restore (the tool is killed).</param>
    /// <returns>A task.</returns>
    Task RestoreDirectoryAsync(string directory, int jobs, RestoreRequest request, CancellationToken cancellationToken);
}
