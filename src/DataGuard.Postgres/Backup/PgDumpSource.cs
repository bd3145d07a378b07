using System.Diagnostics;
using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A running pg_dump, reading the snapshot exported by a REPEATABLE READ transaction that stays open until pg_dump
/// ends. The manifest's row counts are those of the dumped data itself: each table's COPY lines are counted as the
/// archive streams past (<see cref="PgDumpRowCounter"/>), so no second scan competes with pg_dump. A table the
/// archive did not account for (or every table, when the archive's format is not one the counter reads) is counted
/// with <c>count(*)</c> in the same snapshot before it is released, as before.
/// </summary>
internal sealed class PgDumpSource : BackupSource
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly PgProcess _process;
    private readonly BackupSourceInfo _started;
    private readonly Task<List<(string Schema, string Table)>> _tables;
    private readonly PgDumpRowCounter _counter = new();
    private readonly RowCountingReadStream _content;
    private Dictionary<string, long>? _counts;

    public PgDumpSource(NpgsqlConnection connection, NpgsqlTransaction transaction, PgProcess process, BackupSourceInfo started, Task<List<(string Schema, string Table)>> tables)
    {
        _connection = connection;
        _transaction = transaction;
        _process = process;
        _started = started;
        _tables = tables;
        _content = new RowCountingReadStream(new BlockingPipeReadStream(process.StandardOutput), _counter);
    }

    public override Stream Content => _content;

    public override BackupSourceInfo Info => _counts is null ? _started : _started with { TableRowCounts = _counts };

    /// <summary>Gets how the row counts were taken: <c>dump</c> (from the archive's data), <c>count</c> (a scan of every table) or <c>mixed</c>.</summary>
    internal string? CountMethod { get; private set; }

    public override async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        List<(string Schema, string Table)> tables;
        try
        {
            tables = await _tables.ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            // A failed query aborts the snapshot's transaction, which makes pg_dump fail with "invalid snapshot":
            // the query's own error (a missing permission, say) is the one that explains.
            _process.Kill();
            throw new BackupFailedException($"Listing the tables in the backup's snapshot failed: {ex.Message}", ex) { Operation = "backup" };
        }

        await _process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        var fromDump = _content.ReachedEnd && _counter.FailureReason is null && _counter.IsAtBlockBoundary;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var missing = new List<(string Schema, string Table)>();
        foreach (var (schema, table) in tables)
        {
            if (fromDump && _counter.Counts.TryGetValue($"{schema}.{table}", out var rows))
            {
                counts[$"{schema}.{table}"] = rows;
            }
            else
            {
                missing.Add((schema, table));
            }
        }

        try
        {
            await SnapshotTables.CountAsync(_connection, _transaction, missing, counts, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new BackupFailedException($"Counting rows in the backup's snapshot failed: {ex.Message}", ex) { Operation = "backup" };
        }

        CountMethod = missing.Count == 0 ? "dump" : missing.Count == tables.Count && tables.Count > 0 ? "count" : "mixed";
        Activity.Current?.SetTag("dataguard.backup.row_counts", CountMethod);
        if (_counter.FailureReason is { } reason)
        {
            Activity.Current?.SetTag("dataguard.backup.row_counts.fallback", reason);
        }

        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _counts = counts;
    }

    public override async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _tables.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The run already failed or was cancelled; the query's fault adds nothing.
        }

        await _content.DisposeAsync().ConfigureAwait(false);
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
