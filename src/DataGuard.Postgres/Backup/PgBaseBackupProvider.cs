using System.Formats.Tar;
using DataGuard.Backup;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// Physical base backups with <c>pg_basebackup -D - -Ft -X fetch --checkpoint=fast</c> over a replication connection:
/// the whole cluster as one tar (with the WAL it needs, and PostgreSQL's own <c>backup_manifest</c>, so a restored
/// data directory can be checked with <c>pg_verifybackup</c>). For point-in-time recovery on self-hosted PostgreSQL;
/// the user needs the REPLICATION attribute.
/// </summary>
internal sealed class PgBaseBackupProvider : PgBackupProvider, IBackupProvider
{
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PgBaseBackupProvider"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source (built when first used, so listing and verifying need no database).</param>
    /// <param name="tools">The tool locator.</param>
    /// <param name="options">The PostgreSQL options.</param>
    /// <param name="logger">The logger.</param>
    public PgBaseBackupProvider(DataGuardDataSource dataSource, PgToolLocator tools, IOptions<PostgresOptions> options, ILogger<PgBaseBackupProvider> logger)
        : base(dataSource, tools, options)
    {
        _logger = logger;
    }

    /// <inheritdoc />
    public string Kind => "physical";

    /// <inheritdoc />
    public string Name => "pg_basebackup";

    /// <inheritdoc />
    public string ArchiveExtension => "tar";

    /// <inheritdoc />
    public async Task<BackupSource> StartBackupAsync(CancellationToken cancellationToken = default)
    {
        var configured = Configured;
        string systemIdentifier;
        long? clusterSize;
        Version serverVersion;
        string serverVersionText;
        var connection = await PgDumpBackupProvider.OpenAsync(DataSource, configured, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            serverVersion = connection.PostgreSqlVersion;
            serverVersionText = connection.ServerVersion;
            var command = new NpgsqlCommand("SELECT system_identifier::text FROM pg_control_system()", connection);
            await using (command.ConfigureAwait(false))
            {
                systemIdentifier = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            // The storage sizes its upload parts from it; a hint, so a failure gives none (BackupSizeEstimate).
            clusterSize = await BackupSizeEstimate.QueryAsync(connection, BackupSizeEstimate.Cluster, _logger, cancellationToken).ConfigureAwait(false);
        }

        var pgBaseBackup = await Tools.FindForServerAsync("pg_basebackup", serverVersion, cancellationToken).ConfigureAwait(false);
        string[] arguments = ["--pgdata=-", "--format=tar", "--wal-method=fetch", "--checkpoint=fast", "--verbose", "--no-password", "--label=dataguard"];
        var process = PgProcess.Start(pgBaseBackup, arguments, configured, stdin: false, stdout: true, cancellationToken);
        var info = new BackupSourceInfo(
            "(cluster)",
            $"{configured.Host}:{configured.Port}",
            serverVersionText,
            new Dictionary<string, string> { ["pg_basebackup"] = pgBaseBackup.Version.ToString() },
            new Dictionary<string, long>())
        {
            EstimatedSize = clusterSize,
        };
        return new PgBaseBackupSource(process, info, systemIdentifier);
    }

    /// <inheritdoc />
    public async Task<ArchiveContents> InspectAsync(Stream archive, CancellationToken cancellationToken = default)
    {
        var entries = 0;
        var found = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new TarReader(archive, leaveOpen: true);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    entries++;
                    found.Add(entry.Name.TrimStart('.', '/'));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new BackupFailedException($"The base backup is not a valid tar archive: {ex.Message}", ex) { Operation = "verify" };
        }

        string[] required = ["backup_label", "backup_manifest", "global/pg_control"];
        var missing = required.Where(name => !found.Contains(name)).ToList();
        return missing.Count == 0
            ? new ArchiveContents(entries, [])
            : throw new BackupFailedException($"The base backup lacks {string.Join(", ", missing)}.") { Operation = "verify" };
    }

    /// <inheritdoc />
    public Task<RestorePreparation> PrepareRestoreAsync(RestoreRequest request, CancellationToken cancellationToken = default) => throw NotARestoreTarget();

    /// <inheritdoc />
    public Task DropCreatedTargetAsync(RestoreRequest request, CancellationToken cancellationToken = default) => throw NotARestoreTarget();

    /// <inheritdoc />
    public Task RestoreAsync(Stream archive, RestoreRequest request, CancellationToken cancellationToken = default) => throw NotARestoreTarget();

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, long>> CountRowsAsync(RestoreRequest request, IEnumerable<string> tables, CancellationToken cancellationToken = default) =>
        throw NotARestoreTarget();

    private static DataGuardException NotARestoreTarget() =>
        new("A physical base backup is restored into a data directory with point-in-time recovery, not into a database; 'dataguard restore' takes logical backups.") { Operation = "restore" };
}
