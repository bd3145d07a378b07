using System.Data;
using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// A whole table as CSV, PostgreSQL's own <c>COPY ... TO STDOUT (FORMAT csv, HEADER)</c> passed through to a stream, with
/// blocking calls on a thread of its own. Npgsql hands COPY out one row (one CopyData message) per read; read
/// asynchronously, every row costs an async state machine and a cancellation registration, and every time the socket
/// runs dry a hop through the epoll thread and the thread pool: a minimal asynchronous client doing nothing else takes
/// ~0.2 s longer than psql on 3 M rows, a minimal blocking one ~0.07 s (docs/benchmarks.md, "The table export's
/// blocking copy"). A physical connection opened and used with synchronous calls only keeps a blocking socket, read with
/// plain <c>recv</c> calls on one thread, as psql reads it. Everything on that connection is therefore synchronous: the
/// open, the catalog lookup, the transaction, the copy.
/// </summary>
/// <remarks>
/// Cancellation: the statement or COPY running when the token fires gets a cancel request (the server ends it with
/// 57014, and the export ends as cancelled). Should the server not end it within <see cref="CancelGrace"/> (it cannot be
/// reached, or ignores the request), the caller stops waiting and gets the cancellation anyway; the abandoned thread
/// writes nothing more to the output and closes its connection when its blocking call returns.
/// </remarks>
internal sealed class BlockingCsvCopy
{
    /// <summary>How long a cancelled export waits for the server to end what it runs before the caller stops waiting.</summary>
    internal static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(2);

    private readonly Lock _cancelLock = new();
    private readonly Lock _writeLock = new();
    private readonly Stream _output;
    private readonly CancellationToken _cancellationToken;
    private Action? _cancelRunning;
    private bool _cancelRequested;
    private bool _abandoned;
    private volatile string _phase = "connecting";

    private BlockingCsvCopy(Stream output, CancellationToken cancellationToken)
    {
        _output = output;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// Opens a connection, reads the table and, when every column leaves (nothing redacted), copies its CSV to
    /// <paramref name="output"/>; otherwise hands the open connection back for the asynchronous formats.
    /// </summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <param name="redaction">The redaction rules that choose the columns.</param>
    /// <param name="output">Where the CSV goes: written synchronously, from the copy's own thread; left open.</param>
    /// <param name="time">The clock of the grace period.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>What was done: copied, or the connection handed back (the caller then owns it).</returns>
    public static async Task<Outcome> RunAsync(DataGuardDataSource dataSource, string table, RedactionOptions redaction, Stream output, TimeProvider time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var copy = new BlockingCsvCopy(output, cancellationToken);
        var work = Task.Factory.StartNew(
            () => copy.Run(dataSource, table, redaction),
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.UnsafeRegister(
            static state =>
            {
                // The cancel request connects to the server: not on the thread that cancels (a signal handler, say).
                var (copy, cancelled) = ((BlockingCsvCopy, TaskCompletionSource))state!;
                ThreadPool.UnsafeQueueUserWorkItem(static c => c.Cancel(), copy, preferLocal: false);
                cancelled.TrySetResult();
            },
            (copy, cancelled)))
        {
            if (await Task.WhenAny(work, cancelled.Task).ConfigureAwait(false) != work
                && await Task.WhenAny(work, Task.Delay(CancelGrace, time, CancellationToken.None)).ConfigureAwait(false) != work)
            {
                copy.Abandon();
                _ = work.ContinueWith(
                    static done =>
                    {
                        // Whenever the blocking call returns: a connection handed back by then has no caller left.
                        if (done.IsCompletedSuccessfully)
                        {
                            done.Result.Connection?.Dispose();
                        }

                        _ = done.Exception;
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
                throw new OperationCanceledException(
                    $"The export of {table} was cancelled; it was still {copy._phase} {CancelGrace.TotalSeconds:0} s later (PostgreSQL did not answer), so its connection is left to close when the server answers.",
                    cancellationToken);
            }
        }

        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && !(ex is OperationCanceledException own && own.CancellationToken == cancellationToken))
        {
            // The cancel request's own error (57014, or Npgsql's cancellation of a command), or whatever the cancelled
            // statement failed with: the caller cancelled, and hears it with its token.
            throw new OperationCanceledException($"The export of {table} was cancelled.", ex, cancellationToken);
        }
    }

    private Outcome Run(DataGuardDataSource dataSource, string table, RedactionOptions redaction)
    {
        var connection = dataSource.OpenConnection();
        var handedBack = false;
        try
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _phase = "reading the catalog";
            var pgTable = PgCatalog.FindTable(connection, table)
                ?? throw new DataGuardException($"The table {table} does not exist.") { Operation = "export" };
            var mapped = SubjectDataMapBuilder.Describe(pgTable, redaction);
            if (mapped.Columns.Count == 0 || mapped.Redacted.Count > 0)
            {
                handedBack = true;
                return new Outcome(connection, pgTable, mapped);
            }

            // Children (inheritance, partitions) are read too, as the other formats read them; ONLY otherwise.
            var (lockable, children) = Inspect(connection, pgTable, table);
            var from = $"{(children ? string.Empty : "ONLY ")}{pgTable.Quoted}";
            if (!lockable)
            {
                // Without table-level SELECT (columns granted one by one) LOCK is refused: the wait for the lock is done
                // by a throwaway statement before the transaction, so that it can be cancelled and the snapshot below
                // still comes after it.
                _phase = "waiting for the table's lock";
                using var wait = new NpgsqlCommand($"SELECT FROM {from} LIMIT 0", connection);
                Cancellable(wait.Cancel, () => wait.ExecuteNonQuery());
            }

            using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);

            // The COPY's timestamps in UTC, as every export writes them. The lock on what the copy reads is taken first,
            // by a statement of its own: LOCK takes no snapshot, so the snapshot comes after it (a table rewritten by a
            // migration that held the lock is read as it is after, not as an empty table), and waiting for it (behind a
            // migration, say) can be cancelled like the copy.
            _phase = lockable ? "waiting for the table's lock" : "starting the transaction";
            using (var prepare = new NpgsqlCommand(lockable ? $"SET LOCAL TimeZone = 'UTC'; LOCK TABLE {from} IN ACCESS SHARE MODE" : "SET LOCAL TimeZone = 'UTC'", connection, transaction))
            {
                Cancellable(prepare.Cancel, () => prepare.ExecuteNonQuery());
            }

            // The columns again, in the snapshot the copy reads: a migration that held the lock may have added one
            // (a secret the redaction rules would drop) or changed them. Then nothing is copied: run it again. The copy
            // names its columns, so that exactly those leave (stored generated columns too, as in `SELECT *`).
            _phase = "reading the catalog";
            var now = PgCatalog.FindTable(connection, table) is { } current ? SubjectDataMapBuilder.Describe(current, redaction) : null;
            if (now is null || now.Redacted.Count > 0 || !now.Columns.Select(c => c.Name).SequenceEqual(mapped.Columns.Select(c => c.Name), StringComparer.Ordinal))
            {
                throw new DataGuardException($"The table {table} changed while the export waited for its lock (a migration?); nothing was exported. Run the export again.") { Operation = "export" };
            }

            var source = $"(SELECT {string.Join(", ", mapped.Columns.Select(c => PgIdentifiers.Quote(c.Name)))} FROM {from})";

            // PostgreSQL writes the CSV, in the connection's client encoding (UTF-8, which Npgsql always asks for); its
            // bytes pass through untouched, from the reader's stream (its own buffer is never used, so nothing is skipped).
            _phase = "starting the COPY";
            using var reader = connection.BeginTextExport($"COPY {source} TO STDOUT (FORMAT csv, HEADER)");
            if (reader is not NpgsqlCopyTextReader { BaseStream: { CanRead: true } raw } text)
            {
                throw new InvalidOperationException($"Npgsql's text export is a {reader.GetType().Name}, not the NpgsqlCopyTextReader over a readable stream the pass-through reads.");
            }

            _phase = "copying";
            Cancellable(text.Cancel, () => PassThrough(raw));
            return new Outcome(null, pgTable, mapped);
        }
        finally
        {
            if (!handedBack)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Whether the role may LOCK the table (table-level SELECT), and whether it has inheritance children or partitions.</summary>
    private static (bool Lockable, bool Children) Inspect(NpgsqlConnection connection, PgTable table, string name)
    {
        using var command = new NpgsqlCommand(
            "SELECT has_table_privilege(@oid, 'SELECT'), EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = @oid)",
            connection);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, table.Oid);
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.IsDBNull(0))
        {
            throw new DataGuardException($"The table {name} does not exist (dropped while the export started).") { Operation = "export" };
        }

        return (reader.GetBoolean(0), table.IsPartitioned || reader.GetBoolean(1));
    }

    /// <summary>Copies COPY's data (one row per read) to the output in writes of up to 256 KiB.</summary>
    private void PassThrough(Stream copy)
    {
        const int Size = 256 * 1024;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Size);
        try
        {
            var ended = false;
            while (!ended)
            {
                var filled = 0;
                while (filled < Size - (16 * 1024))
                {
                    var read = copy.Read(buffer, filled, Size - filled);
                    if (read == 0)
                    {
                        ended = true;
                        break;
                    }

                    filled += read;
                }

                if (filled > 0)
                {
                    Write(buffer, filled);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Write(byte[] buffer, int count)
    {
        lock (_writeLock)
        {
            // Cancelled: no more rows, though the server may have sent them already. Abandoned: the caller stopped
            // waiting, and the output is no longer the copy's to write.
            if (_abandoned || _cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(_cancellationToken);
            }

            _output.Write(buffer, 0, count);
        }
    }

    /// <summary>Runs <paramref name="work"/> with <paramref name="cancel"/> as what a cancellation sends, refused once cancelled.</summary>
    private void Cancellable(Action cancel, Action work)
    {
        bool cancelled;
        lock (_cancelLock)
        {
            _cancelRunning = cancel;
            cancelled = _cancelRequested;
        }

        if (cancelled)
        {
            // Cancelled in between: a COPY just begun is cancelled too, or disposing it would read it to its end.
            Send(cancel);
            throw new OperationCanceledException(_cancellationToken);
        }

        try
        {
            work();
        }
        catch (Exception ex) when (ex is not NpgsqlException)
        {
            // Left on our side (cancelled between two writes, the output failed): whatever runs is cancelled from here,
            // since the token's own request may have found nothing running yet, and disposing a COPY not read to its
            // end would read the rest of the table first.
            Send(cancel);
            throw;
        }
        finally
        {
            lock (_cancelLock)
            {
                _cancelRunning = null;
            }
        }
    }

    private void Cancel()
    {
        Action? cancel;
        lock (_cancelLock)
        {
            _cancelRequested = true;
            cancel = _cancelRunning;
        }

        if (cancel is not null)
        {
            Send(cancel);
        }
    }

    private static void Send(Action cancel)
    {
        try
        {
            // A cancel request on a connection of its own; sent after the statement ended, it cancels nothing.
            cancel();
        }
        catch (Exception)
        {
            // Not sent (the server unreachable), or the statement ended as it was cancelled (Npgsql's Cancel then fails
            // in any way, a NullReferenceException included): on a pool thread nothing may escape; the grace period
            // ends the wait.
        }
    }

    private void Abandon()
    {
        lock (_writeLock)
        {
            _abandoned = true;
        }
    }

    /// <summary>What <see cref="RunAsync"/> did.</summary>
    /// <param name="Connection">The open connection handed back when the CSV was not copied (redaction drops columns); the caller owns it. <see langword="null"/>: copied.</param>
    /// <param name="Table">The table.</param>
    /// <param name="Map">Its columns, redaction applied.</param>
    internal sealed record Outcome(NpgsqlConnection? Connection, PgTable Table, MappedTable Map);
}
