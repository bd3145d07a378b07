using DataGuard.Backup;
using DataGuard.Backup.ParallelDump;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running <c>pg_dump -Fd -j N</c>, reading the snapshot exported by a REPEATABLE READ transaction that stays open
/// until it ends; the rows are counted in that transaction meanwhile (as <see cref="PgDumpSource"/> does).
/// </summary>
internal sealed class PgDirectoryDumpSource(NpgsqlConnection connection, NpgsqlTransaction transaction, PgProcess process, BackupSourceInfo started, Task<Dictionary<string, long>> counts) : DirectoryBackupSource
{
    public override int ProcessId => process.Id;

    public override BackupSourceInfo Info => counts.IsCompletedSuccessfully ? started with { TableRowCounts = counts.Result } : started;

    public override async Task CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await counts.ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            process.Kill();
            throw new BackupFailedException($"Counting rows in the backup's snapshot failed: {ex.Message}", ex) { Operation = "backup" };
        }

        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        await process.DisposeAsync().ConfigureAwait(false);
        try
        {
            await counts.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The run already failed or was cancelled; the count's fault adds nothing.
        }

        await transaction.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
