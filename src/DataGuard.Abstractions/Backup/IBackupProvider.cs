namespace DataGuard.Backup;

/// <summary>
/// Makes a backup of a database as a stream of bytes, and restores one. The engine compresses, encrypts, checksums
/// and stores what the provider produces; the provider never sees the storage.
/// </summary>
public interface IBackupProvider
{
    /// <summary>Gets the kind of backup: <c>logical</c> or <c>physical</c>.</summary>
    string Kind { get; }

    /// <summary>Gets the provider's name, recorded in manifests, such as <c>pg_dump</c>.</summary>
    string Name { get; }

    /// <summary>Gets the file extension of the raw archive, such as <c>pgdump</c>.</summary>
    string ArchiveExtension { get; }

    /// <summary>
    /// Starts a backup. The returned source streams the archive; the caller reads it to its end, then calls
    /// <see cref="BackupSource.CompleteAsync"/>, which fails when the producer did.
    /// </summary>
    /// <param name="cancellationToken">Cancels the backup; the producer is stopped.</param>
    /// <returns>The running backup.</returns>
    Task<BackupSource> StartBackupAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the raw archive's table of contents with the provider's own tools, to prove the archive is usable.</summary>
    /// <param name="archive">The raw (decrypted, decompressed) archive; read as far as the tool needs.</param>
    /// <param name="cancellationToken">Cancels the inspection.</param>
    /// <returns>What the archive contains.</returns>
    Task<ArchiveContents> InspectAsync(Stream archive, CancellationToken cancellationToken = default);

    /// <summary>Prepares a restore target: checks it is safe to write (or creates it).</summary>
    /// <param name="request">Where to restore, and how.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The target and whether it was created; fails with <see cref="RestoreRefusedException"/> when the target must not be written.</returns>
    Task<RestorePreparation> PrepareRestoreAsync(RestoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops a target that <see cref="PrepareRestoreAsync"/> created, after the restore into it failed, so that a failed
    /// restore leaves nothing that could be taken for a restored copy.
    /// </summary>
    /// <param name="request">The restore's request.</param>
    /// <param name="cancellationToken">Cancels the drop.</param>
    /// <returns>A task.</returns>
    Task DropCreatedTargetAsync(RestoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores a raw archive into the target of <paramref name="request"/>. A restore that fails (the archive's stream
    /// throws, the tool fails, cancellation) must leave the target as it was: pg_restore runs in one transaction.
    /// </summary>
    /// <param name="archive">The raw archive, streamed.</param>
    /// <param name="request">Where to restore, and how.</param>
    /// <param name="cancellationToken">Cancels the restore.</param>
    /// <returns>A task.</returns>
    Task RestoreAsync(Stream archive, RestoreRequest request, CancellationToken cancellationToken = default);

    /// <summary>Counts the rows of the tables a manifest lists, in a restored target.</summary>
    /// <param name="request">The restore target.</param>
    /// <param name="tables">The qualified table names.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>Rows per table; a missing table has no entry.</returns>
    Task<IReadOnlyDictionary<string, long>> CountRowsAsync(RestoreRequest request, IEnumerable<string> tables, CancellationToken cancellationToken = default);
}
