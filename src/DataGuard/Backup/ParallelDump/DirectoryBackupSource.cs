namespace DataGuard.Backup.ParallelDump;

/// <summary>A dump into a directory, running: the process that writes it, what it is a backup of, and how it ended.</summary>
internal abstract class DirectoryBackupSource : IAsyncDisposable
{
    /// <summary>Gets the id of the dump's leading process (its workers are its children).</summary>
    public abstract int ProcessId { get; }

    /// <summary>Gets what the backup is of; its row counts are complete once <see cref="CompleteAsync"/> has succeeded.</summary>
    public abstract BackupSourceInfo Info { get; }

    /// <summary>Waits for the dump to end; fails with a <see cref="BackupFailedException"/> when it did not succeed.</summary>
    /// <param name="cancellationToken">Cancels the wait and stops the dump.</param>
    /// <returns>A task.</returns>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Stops the dump if it still runs and frees its resources.</summary>
    /// <returns>A task.</returns>
    public abstract ValueTask DisposeAsync();
}
