using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running pg_dump, reading the snapshot exported by a REPEATABLE READ transaction that stays open until pg_dump
/// ends. The rows are counted in that same transaction while pg_dump runs, so the manifest's row counts describe
/// exactly the dumped data without adding the counting time to the backup's.
/// </summary>
internal sealed class PgDumpSource(NpgsqlConnection connection, NpgsqlTransaction transaction, PgProcess process, BackupSourceInfo started, Task<Dictionary<string, long>> counts) : BackupSource
{
    public override Stream Content => process.StandardOutput;

    public override BackupSourceInfo Info => counts.IsCompletedSuccessfully ? started with { TableRowCounts = counts.Result } : started;

    public override async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await counts.ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            // A failed count aborts the snapshot's transaction, which makes pg_dump fail with "invalid snapshot":
            // the count's own error (a missing permission, say) is the one that explains.
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
