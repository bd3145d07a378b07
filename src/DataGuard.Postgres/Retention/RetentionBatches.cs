using System.Globalization;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// One retention batch: its own transaction with the configured lock and statement timeouts, holding the legal-hold
/// lock shared (placing a hold waits for the batch, and the next batch sees it). A batch that loses a race with the
/// application outside the rows it acts on (a deadlock, a serialization failure) is rolled back and tried again, up
/// to three times.
/// </summary>
internal static class RetentionBatches
{
    private const int Attempts = 3;

    public static async Task<T> RunOnceAsync<T>(NpgsqlConnection connection, RetentionOptions options, Func<NpgsqlTransaction, CancellationToken, Task<T>> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var transaction = await BeginAsync(connection, options, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    var result = await batch(transaction, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
                catch (PostgresException ex) when (attempt < Attempts && IsRace(ex.SqlState))
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }
            }
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

    /// <summary>A deadlock or a serialization failure: the batch may simply be tried again.</summary>
    private static bool IsRace(string sqlState) =>
        sqlState is PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
}
