using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running pg_dump, reading the snapshot exported by a REPEATABLE READ transaction that stays open until pg_dump
/// ends, so the manifest's row counts describe exactly the dumped data.
/// </summary>
internal sealed class PgDumpSource(NpgsqlConnection connection, NpgsqlTransaction transaction, PgProcess process, BackupSourceInfo info) : BackupSource
{
    public override Stream Content => process.StandardOutput;

    public override BackupSourceInfo Info => info;

    public override async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        await process.DisposeAsync().ConfigureAwait(false);
        await transaction.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
