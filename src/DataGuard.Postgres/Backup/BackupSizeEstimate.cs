using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// The size a backup estimates for the storage (<see cref="DataGuard.Backup.BackupSourceInfo.EstimatedSize"/>, from which
/// S3 sizes its upload parts). Only a hint: a query that fails (EXECUTE on <c>pg_database_size</c> revoked from the
/// role, a <c>statement_timeout</c> while it sums the files of a very large database, a server without the function)
/// gives no estimate, logged, instead of failing the backup. It runs in a transaction of its own, so that its failure
/// cannot abort the backup's, and gives up after <see cref="Timeout"/>.
/// </summary>
internal static class BackupSizeEstimate
{
    /// <summary>The connected database's size, when the role may connect to it (pg_database_size checks that).</summary>
    public const string Database =
        "SELECT CASE WHEN has_database_privilege(current_database(), 'CONNECT') THEN pg_database_size(current_database()) END";

    /// <summary>
    /// The cluster's databases plus two WAL segments (with <c>-X fetch</c> the tar holds whole segments of the WAL written
    /// during the backup: 40 MB for a 23 MB cluster). pg_database_size measures a database for a role that may connect to
    /// it or has the privileges of <c>pg_read_all_stats</c> (<c>pg_monitor</c> has them); others are left out (it would
    /// fail on them), although pg_basebackup copies them too. Without <c>wal_segment_size</c> (PostgreSQL 10 and older
    /// count it in 8 kB pages) 16 MiB.
    /// </summary>
    public const string Cluster =
        """
        SELECT (SELECT sum(CASE WHEN s.stats OR has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END)::bigint
                FROM pg_database d,
                     (SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_all_stats' AND pg_has_role(oid, 'USAGE')) AS stats) s)
               + 2 * coalesce((SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size' AND unit = 'B'), 16777216)
        """;

    /// <summary>The most time the estimate may take: <c>pg_database_size</c> looks at every file of the database.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs one of the estimates.</summary>
    /// <param name="connection">An open connection outside any transaction.</param>
    /// <param name="sql"><see cref="Database"/> or <see cref="Cluster"/>.</param>
    /// <param name="logger">Where a failed estimate is reported.</param>
    /// <param name="cancellationToken">A token to cancel the query.</param>
    /// <returns>The estimate in bytes, or <see langword="null"/> when there is none.</returns>
    public static async Task<long?> QueryAsync(NpgsqlConnection connection, string sql, ILogger logger, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            try
            {
                // The server's own timeout, not the client's: a cancelled statement leaves the connection usable.
                var limit = new NpgsqlCommand($"SET LOCAL statement_timeout = {(long)Timeout.TotalMilliseconds}", connection, transaction);
                await using (limit.ConfigureAwait(false))
                {
                    await limit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
                await using (command.ConfigureAwait(false))
                {
                    var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    return value is long size and > 0 ? size : null;
                }
            }
            catch (PostgresException ex)
            {
                BackupLog.SizeEstimateUnavailable(logger, $"{ex.SqlState}: {ex.MessageText}");
                return null;
            }
        }
    }
}
