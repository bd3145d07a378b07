using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A variant of the pg_dump provider for a platform whose databases need more than the plain dump and restore
/// (DataGuard:Postgres:Dump:Preset names one): what the dump leaves out, which connections are refused, which schemas
/// belong to the platform rather than to the application, and which entries of an archive a restore replays into a
/// given target. The pipeline (snapshot, compression, encryption, checksum, manifest, verify) stays the provider's.
/// </summary>
internal abstract class PgDumpProfile
{
    /// <summary>Gets the preset's name, as DataGuard:Postgres:Dump:Preset spells it (compared ignoring case).</summary>
    public abstract string Name { get; }

    /// <summary>Gets the schemas the platform owns: their tables do not make a restore target count as "not empty".</summary>
    public virtual IReadOnlyCollection<string> PlatformSchemas => [];

    /// <summary>The filter pg_dump runs with (and the manifest's row counts follow): the configured one plus the preset's.</summary>
    /// <param name="configured">DataGuard:Postgres:Dump.</param>
    /// <returns>The effective filter.</returns>
    public virtual PgDumpOptions Filter(PgDumpOptions configured) => configured;

    /// <summary>Refuses a connection the preset cannot work through, with a message that says what to use instead.</summary>
    /// <param name="connection">The connection (backup source or restore target).</param>
    /// <param name="operation">"backup" or "restore".</param>
    public virtual void CheckConnection(NpgsqlConnectionStringBuilder connection, string operation)
    {
    }

    /// <summary>
    /// Chooses the archive's entries to restore into <paramref name="target"/> and prepares the target (for example
    /// creates a schema the kept entries need). <see langword="null"/> restores every entry, as plain pg_restore does.
    /// </summary>
    /// <param name="target">An open connection to the restore target, as the restoring user.</param>
    /// <param name="toc">The archive's table of contents, as <c>pg_restore --list</c> prints it.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    /// <returns>The plan, or <see langword="null"/>.</returns>
    public virtual Task<PgRestorePlan?> PlanRestoreAsync(NpgsqlConnection target, IReadOnlyList<string> toc, CancellationToken cancellationToken) =>
        Task.FromResult<PgRestorePlan?>(null);
}
