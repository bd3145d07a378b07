using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Runs batches until one affects no row; each batch is its own transaction with the configured lock and statement timeouts. Cancellation is honoured between batches.</summary>
internal static class RetentionBatches
{
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
            var transaction = await BeginAsync(connection, options, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var affected = await batch(transaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (affected == 0)
                {
                    return;
                }

                totals.Add(affected, stopwatch.ElapsedMilliseconds);
            }
        }
    }

    public static async Task<NpgsqlTransaction> BeginAsync(NpgsqlConnection connection, RetentionOptions options, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var lockMs = ((long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var statementMs = ((long)options.StatementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var command = new NpgsqlCommand($"SET LOCAL lock_timeout = {lockMs}; SET LOCAL statement_timeout = {statementMs}", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return transaction;
    }
}
