using DataGuard.Backup;
using DataGuard.Backup.ParallelDump;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// Parallel backups (DataGuard:Backup:Parallelism above 1): <c>pg_dump -Fd -j N</c> into a staging directory, reading
/// the snapshot of a REPEATABLE READ transaction in which the rows are counted (as for a single archive), and
/// <c>pg_restore -Fd</c> from a directory whose data files the engine feeds through named pipes.
/// </summary>
internal sealed partial class PgDumpBackupProvider : IDirectoryBackupProvider
{
    /// <inheritdoc />
    public async Task<DirectoryBackupSource> StartDirectoryBackupAsync(string directory, int jobs, CancellationToken cancellationToken) =>
        await StartDumpAsync<DirectoryBackupSource>(
            ["--format=directory", $"--jobs={jobs}", "--compress=0", $"--file={directory}"],
            stdout: false,
            (connection, transaction, process, info, filter) => new PgDirectoryDumpSource(connection, transaction, process, info, CountAllAsync(connection, transaction, filter, cancellationToken)),
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DirectoryContents> InspectDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var entries = await ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        return new DirectoryContents(entries.Count, [.. entries.Select(DataFileOf).OfType<string>()]);
    }

    /// <inheritdoc />
    public async Task RestoreDirectoryAsync(string directory, int jobs, RestoreRequest request, CancellationToken cancellationToken)
    {
        var target = Target(request);
        var connection = target.ConnectionString;
        var profile = Profile;
        profile?.CheckConnection(connection, "restore");
        string? listFile = null;
        try
        {
            var probeSource = NpgsqlDataSource.Create(connection);
            await using var probeSourceScope = probeSource.ConfigureAwait(false);
            var probe = await OpenAsync(probeSource, connection, cancellationToken).ConfigureAwait(false);
            PgRestorePlan? plan = null;
            DataGuard.Postgres.Tools.PgTool pgRestore;
            await using (probe.ConfigureAwait(false))
            {
                pgRestore = await Tools.FindForServerAsync("pg_restore", probe.PostgreSqlVersion, cancellationToken).ConfigureAwait(false);
                if (profile is not null)
                {
                    // The table of contents is a plain file of the folder: read it as often as needed.
                    plan = await profile.PlanRestoreAsync(probe, await ListDirectoryAsync(directory, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                    if (plan is not null)
                    {
                        listFile = WriteList(plan.Entries);
                    }
                }
            }

            // -j commits table by table: the engine asks for it only into a database this restore created (dropped on failure).
            string[] arguments = ["--format=directory", "--no-owner", "--exit-on-error", jobs > 1 ? $"--jobs={jobs}" : "--single-transaction", "--no-password", $"--dbname={PgDatabaseName.Conninfo(target.Database)}", .. request.Clean ? (string[])["--clean", "--if-exists"] : [], .. request.SkipSubscriptions ? (string[])["--no-subscriptions"] : [], .. listFile is null ? (string[])[] : [$"--use-list={listFile}"], directory];
            var environment = plan is null || plan.SessionSettings.Count == 0
                ? null
                : new Dictionary<string, string> { ["PGOPTIONS"] = string.Join(' ', plan.SessionSettings.Select(s => $"-c {s.Key}={s.Value}")) };
            var process = PgProcess.Start(pgRestore, arguments, connection, stdin: false, stdout: false, cancellationToken, environment);
            await using (process.ConfigureAwait(false))
            {
                await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task<IReadOnlyList<string>> ListDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var pgRestore = await Tools.FindAsync("pg_restore", cancellationToken).ConfigureAwait(false);
        var process = PgProcess.Start(pgRestore, ["--list", "--format=directory", directory], connection: null, stdin: false, stdout: true, cancellationToken);
        await using (process.ConfigureAwait(false))
        {
            var list = new StreamReader(process.StandardOutput).ReadToEndAsync(cancellationToken);
            await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            return (await list.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => !line.StartsWith(';'))
                .ToList();
        }
    }

    /// <summary>The file a directory archive's entry reads its data from: <c>&lt;dump id&gt;.dat</c>, or <c>blobs.toc</c>.</summary>
    private static string? DataFileOf(string entry)
    {
        // "4211; 0 16385 TABLE DATA public users postgres"
        var semicolon = entry.IndexOf(';', StringComparison.Ordinal);
        if (semicolon <= 0 || !int.TryParse(entry.AsSpan(0, semicolon).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var dumpId))
        {
            return null;
        }

        if (entry.Contains(" TABLE DATA ", StringComparison.Ordinal))
        {
            return $"{dumpId}.dat";
        }

        return entry.Contains(" BLOBS ", StringComparison.Ordinal) ? "blobs.toc" : null;
    }

    /// <summary>Counts every dumped table's rows with <c>count(*)</c> in the dump's snapshot (a directory dump's data is not streamed past the counter).</summary>
    private static async Task<Dictionary<string, long>> CountAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PgDumpOptions filter, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var tables = await SnapshotTables.ListAsync(connection, transaction, filter, cancellationToken).ConfigureAwait(false);
        await SnapshotTables.CountAsync(connection, transaction, tables, counts, cancellationToken).ConfigureAwait(false);
        return counts;
    }
}
