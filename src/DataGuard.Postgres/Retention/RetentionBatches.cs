using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Runs batches until one affects no row; each batch is its own transaction with the configured lock and statement
/// timeouts, holding the legal-hold lock shared (placing a hold waits for the batch, and the next batch sees it).
/// A batch that loses a race with the application (a row referenced meanwhile, a deadlock) is rolled back and
/// tried again, up to three times. Cancellation is honoured between batches.
/// </summary>
internal static class RetentionBatches
{
    private const int Attempts = 3;

    public static async Task RunAsync(
        NpgsqlConnection connection,
        RetentionOptions options,
        BatchTotals totals,
        Func<NpgsqlTransaction, CancellationToken, Task<int>> batch,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stopwatch = Stopwatch.StartNew();
            var affected = await RunOnceAsync(connection, options, batch, cancellationToken).ConfigureAwait(false);
            if (affected == 0)
            {
                return;
            }

            totals.Add(affected, stopwatch.ElapsedMilliseconds);
        }
    }

    public static async Task<NpgsqlTransaction> BeginAsync(NpgsqlConnection connection, RetentionOptions options, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var lockMs = ((long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var statementMs = ((long)options.StatementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var command = new NpgsqlCommand(
            $"SET LOCAL lock_timeout = {lockMs}; SET LOCAL statement_timeout = {statementMs}; SELECT pg_advisory_xact_lock_shared({ActiveHolds.LockKeySql})",
            connection,
            transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return transaction;
    }

    private static async Task<int> RunOnceAsync(NpgsqlConnection connection, RetentionOptions options, Func<NpgsqlTransaction, CancellationToken, Task<int>> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var transaction = await BeginAsync(connection, options, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    var affected = await batch(transaction, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return affected;
                }
                catch (PostgresException ex) when (attempt < Attempts && IsRace(ex.SqlState))
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>A row referenced after it was picked (foreign key violation), a deadlock, or a serialization failure.</summary>
    private static bool IsRace(string sqlState) =>
        sqlState is PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
}
