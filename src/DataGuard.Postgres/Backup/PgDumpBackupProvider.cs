using System.Data;
using DataGuard.Backup;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// Logical backups with pg_dump (custom format, uncompressed: DataGuard compresses) and restores with pg_restore.
/// Works on every PostgreSQL, managed ones included. The archive, once decompressed and decrypted, is a plain
/// pg_dump custom-format file that pg_restore accepts.
/// </summary>
internal sealed partial class PgDumpBackupProvider : PgBackupProvider, IBackupProvider
{
    /// <summary>The most of an archive's head a preset restore keeps in memory to read its table of contents twice.</summary>
    private const long TableOfContentsLimit = 256L * 1024 * 1024;

    private readonly IReadOnlyList<PgDumpProfile> _profiles;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PgDumpBackupProvider"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source (built when first used, so listing and verifying need no database).</param>
    /// <param name="tools">The tool locator.</param>
    /// <param name="options">The PostgreSQL options.</param>
    /// <param name="profiles">The presets other packages registered (DataGuard:Postgres:Dump:Preset picks one).</param>
    /// <param name="logger">The logger.</param>
    public PgDumpBackupProvider(DataGuardDataSource dataSource, PgToolLocator tools, IOptions<PostgresOptions> options, IEnumerable<PgDumpProfile> profiles, ILogger<PgDumpBackupProvider> logger)
        : base(dataSource, tools, options)
    {
        _profiles = [.. profiles];
        _logger = logger;
    }

    /// <summary>Gets the preset DataGuard:Postgres:Dump:Preset names, or <see langword="null"/> for plain pg_dump.</summary>
    private PgDumpProfile? Profile => Find(_profiles, Options.Value.Dump.Preset);

    /// <inheritdoc />
    public string Kind => "logical";

    /// <inheritdoc />
    public string Name => "pg_dump";

    /// <inheritdoc />
    public string ArchiveExtension => "pgdump";

    /// <inheritdoc />
    public async Task<BackupSource> StartBackupAsync(CancellationToken cancellationToken = default) =>
        await StartDumpAsync(
            ["--format=custom", "--compress=0"],
            stdout: true,
            (connection, transaction, process, info, filter) => new PgDumpSource(connection, transaction, process, info, SnapshotTables.ListAsync(connection, transaction, filter, cancellationToken)),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Starts pg_dump on the snapshot of a read-only REPEATABLE READ transaction (exported to it with <c>--snapshot</c>,
    /// so that row counts taken in that transaction match the dump), then hands connection, transaction and process to
    /// <paramref name="create"/>; on failure all three are disposed and a PostgreSQL error names the database.
    /// </summary>
    private async Task<T> StartDumpAsync<T>(
        string[] formatArguments,
        bool stdout,
        Func<NpgsqlConnection, NpgsqlTransaction, PgProcess, BackupSourceInfo, PgDumpOptions, T> create,
        CancellationToken cancellationToken)
    {
        var configured = Configured;
        var profile = Profile;
        profile?.CheckConnection(configured, "backup");
        var lookup = Tools.Start("pg_dump", cancellationToken);
        var connection = await OpenAsync(DataSource, configured, cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        PgProcess? process = null;
        try
        {
            var pgDump = await lookup.ForServerAsync(connection.PostgreSqlVersion).ConfigureAwait(false);

            // The database's size on disk estimates the dump's (indexes are not dumped, but TOAST-compressed values and
            // bytea are larger as COPY text): the storage sizes its upload parts from it. A hint, taken before the
            // snapshot's transaction so that its failure cannot abort it.
            var size = await BackupSizeEstimate.QueryAsync(connection, BackupSizeEstimate.Database, _logger, cancellationToken).ConfigureAwait(false);
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction);
            await using (readOnly.ConfigureAwait(false))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            string snapshot;
            var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction);
            await using (export.ConfigureAwait(false))
            {
                snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var filter = profile?.Filter(Options.Value.Dump) ?? Options.Value.Dump;
            string[] arguments = [.. formatArguments, "--no-password", $"--snapshot={snapshot}", .. SnapshotTables.Arguments(filter)];
            process = PgProcess.Start(pgDump, arguments, configured, stdin: false, stdout, cancellationToken);
            var info = new BackupSourceInfo(
                connection.Database,
                $"{configured.Host}:{configured.Port}",
                connection.ServerVersion,
                new Dictionary<string, string> { ["pg_dump"] = pgDump.Version.ToString() },
                new Dictionary<string, long>())
            {
                EstimatedSize = size,
            };
            return create(connection, transaction, process, info, filter);
        }
        catch (Exception ex)
        {
            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }

            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            if (ex is PostgresException postgres)
            {
                throw new BackupFailedException($"Backup of {PostgresTarget.Describe(configured.ConnectionString)} failed: {postgres.Message}", ex) { Operation = "backup" };
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task<ArchiveContents> InspectAsync(Stream archive, CancellationToken cancellationToken = default)
    {
        var pgRestore = await Tools.FindAsync("pg_restore", cancellationToken).ConfigureAwait(false);
        var process = PgProcess.Start(pgRestore, ["--list"], connection: null, stdin: true, stdout: true, cancellationToken);
        await using (process.ConfigureAwait(false))
        {
            var list = new StreamReader(process.StandardOutput).ReadToEndAsync(cancellationToken);
            await FeedAsync(archive, process, cancellationToken).ConfigureAwait(false);
            await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            var entries = (await list.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => !line.StartsWith(';'))
                .ToList();
            var tables = entries.Select(TableDataOf).OfType<string>().ToList();
            return new ArchiveContents(entries.Count, tables);
        }
    }

    /// <inheritdoc />
    public Task<RestorePreparation> PrepareRestoreAsync(RestoreRequest request, CancellationToken cancellationToken = default)
    {
        var target = Target(request);
        Profile?.CheckConnection(target.ConnectionString, "restore");
        DataGuard.Telemetry.DataGuardActivitySource.Current.SetDatabase(target.ConnectionString);
        return target.PrepareAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task DropCreatedTargetAsync(RestoreRequest request, CancellationToken cancellationToken = default) =>
        Target(request).DropAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RestoreAsync(Stream archive, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        var target = Target(request);
        var connection = target.ConnectionString;
        var profile = Profile;
        profile?.CheckConnection(connection, "restore");
        var probeSource = NpgsqlDataSource.Create(connection);
        await using var probeSourceScope = probeSource.ConfigureAwait(false);
        var lookup = Tools.Start("pg_restore", cancellationToken);
        var probe = await OpenAsync(probeSource, connection, cancellationToken).ConfigureAwait(false);
        string? listFile = null;
        try
        {
            await using (probe.ConfigureAwait(false))
            {
                var pgRestore = await lookup.ForServerAsync(probe.PostgreSqlVersion).ConfigureAwait(false);
                PgRestorePlan? plan = null;
                if (profile is not null)
                {
                    // The preset chooses entries from the table of contents, which pg_restore --list reads from the
                    // archive's head; that head is kept and replayed in front of the rest for the restore itself.
                    var recorder = new RecordingReadStream(archive, TableOfContentsLimit);
                    var toc = await ListAsync(pgRestore, recorder, cancellationToken).ConfigureAwait(false);
                    plan = await profile.PlanRestoreAsync(probe, toc, cancellationToken).ConfigureAwait(false);
                    archive = recorder.Replay();
                    if (plan is not null)
                    {
                        listFile = WriteList(plan.Entries);
                    }
                }

                // The name goes in a quoted conninfo: a bare --dbname holding '=' would be read as a connection string.
                string[] arguments = ["--no-owner", "--exit-on-error", "--single-transaction", "--no-password", $"--dbname={PgDatabaseName.Conninfo(target.Database)}", .. request.Clean ? (string[])["--clean", "--if-exists"] : [], .. request.SkipSubscriptions ? (string[])["--no-subscriptions"] : [], .. listFile is null ? (string[])[] : [$"--use-list={listFile}"]];
                var environment = plan is null || plan.SessionSettings.Count == 0
                    ? null
                    : new Dictionary<string, string> { ["PGOPTIONS"] = string.Join(' ', plan.SessionSettings.Select(s => $"-c {s.Key}={s.Value}")) };
                var process = PgProcess.Start(pgRestore, arguments, connection, stdin: true, stdout: false, cancellationToken, environment);
                await using (process.ConfigureAwait(false))
                {
                    await FeedAsync(archive, process, cancellationToken).ConfigureAwait(false);
                    await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (listFile is not null)
            {
                File.Delete(listFile);
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, long>> CountRowsAsync(RestoreRequest request, IEnumerable<string> tables, CancellationToken cancellationToken = default) =>
        Target(request).CountRowsAsync(tables, cancellationToken);

    /// <summary>The preset of that name, or <see langword="null"/> for none; an unknown name fails (start-up validation names it first).</summary>
    /// <param name="profiles">The registered presets.</param>
    /// <param name="preset">DataGuard:Postgres:Dump:Preset.</param>
    /// <returns>The preset.</returns>
    internal static PgDumpProfile? Find(IEnumerable<PgDumpProfile> profiles, string? preset) =>
        string.IsNullOrWhiteSpace(preset)
            ? null
            : profiles.FirstOrDefault(p => string.Equals(p.Name, preset, StringComparison.OrdinalIgnoreCase))
              ?? throw new BackupFailedException($"DataGuard:Postgres:Dump:Preset '{preset}' is not registered (Supabase needs AddSupabase()).") { Operation = "backup" };

    internal static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupFailedException($"Cannot connect to {PostgresTarget.Describe(target.ConnectionString)}: {ex.Message}", ex) { Operation = "connect" };
        }
    }

    private PgRestoreTarget Target(RestoreRequest request) =>
        new(DataSource, Configured, request, Find(_profiles, Options.Value.Dump.Preset)?.PlatformSchemas);

    private static async Task<IReadOnlyList<string>> ListAsync(PgTool pgRestore, Stream archive, CancellationToken cancellationToken)
    {
        var process = PgProcess.Start(pgRestore, ["--list"], connection: null, stdin: true, stdout: true, cancellationToken);
        await using (process.ConfigureAwait(false))
        {
            var list = new StreamReader(process.StandardOutput).ReadToEndAsync(cancellationToken);
            await FeedAsync(archive, process, cancellationToken).ConfigureAwait(false);
            await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            return (await list.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => !line.StartsWith(';'))
                .ToList();
        }
    }

    /// <summary>Writes a <c>--use-list</c> file (mode 0600; the names of the archive's objects, no secret) and returns its path.</summary>
    private static string WriteList(IReadOnlyList<string> entries)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dataguard-restore-{Guid.NewGuid():N}.list");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        foreach (var entry in entries)
        {
            writer.WriteLine(entry);
        }

        return path;
    }

    private static async Task FeedAsync(Stream archive, PgProcess process, CancellationToken cancellationToken)
    {
        try
        {
            await archive.CopyToAsync(process.StandardInput, 1024 * 1024, cancellationToken).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException) when (process.HasExited || WaitBriefly(process))
        {
            // The tool stopped reading (pg_restore --list reads only the table of contents, or it failed): its exit code tells.
        }
        catch
        {
            // The archive's stream failed (a checksum, a key, the storage): kill the tool before it sees an end of input
            // it could take for the end of the archive.
            process.Kill();
            throw;
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Broken pipe on close: the exit code tells.
            }
        }
    }

    private static bool WaitBriefly(PgProcess process) => process.WaitForExit(TimeSpan.FromMilliseconds(100));

    private static string? TableDataOf(string entry)
    {
        // "1234; 0 16385 TABLE DATA public users postgres"
        const string marker = " TABLE DATA ";
        var at = entry.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var parts = entry[(at + marker.Length)..].Split(' ');
        return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : null;
    }
}
