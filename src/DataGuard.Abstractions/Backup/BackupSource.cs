namespace DataGuard.Backup;

/// <summary>A backup being produced: its bytes, what it is a backup of, and how it ended.</summary>
public abstract class BackupSource : IAsyncDisposable
{
    /// <summary>Gets the raw archive, to be read to its end.</summary>
    public abstract Stream Content { get; }

    /// <summary>
    /// Gets what the backup is of: database, versions, and row counts taken in the backup's own snapshot (complete once
    /// <see cref="CompleteAsync"/> has succeeded; a provider may count while it dumps).
    /// </summary>
    public abstract BackupSourceInfo Info { get; }

    /// <summary>Waits for the producer to end; fails with a <see cref="BackupFailedException"/> carrying its (sanitized) error output when it did not succeed.</summary>
    /// <param name="cancellationToken">Cancels the wait and stops the producer.</param>
    /// <returns>A task.</returns>
    public abstract Task CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops the producer if it still runs and frees its resources.</summary>
    /// <returns>A task.</returns>
    public abstract ValueTask DisposeAsync();
}
