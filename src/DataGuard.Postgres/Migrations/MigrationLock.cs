using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// The migrators' session advisory lock, on a dedicated connection: waits up to a timeout, then fails naming the
/// holder (pid, application, since when).
/// </summary>
internal static class MigrationLock
{
    private const string Name = "dataguard.migrations";

    public static async Task<NpgsqlConnection> AcquireAsync(DataGuardDataSource dataSource, string application, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenDedicatedConnectionAsync($"dataguard-migrate {application}", cancellationToken).ConfigureAwait(false);
        try
        {
            var started = time.GetTimestamp();
            while (true)
            {
                var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", connection);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.AddWithValue("name", Name);
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        return connection;
                    }
                }

                if (time.GetElapsedTime(started) >= timeout)
                {
                    throw new DataGuardException($"Another migrator holds the migration lock: {await DescribeHolderAsync(connection, cancellationToken).ConfigureAwait(false)}. Waited {timeout.TotalSeconds:F0} s (DataGuard:Migrations:LockTimeout).") { Operation = "migrate.lock" };
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<string> DescribeHolderAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            SELECT a.pid, coalesce(a.application_name, ''), a.backend_start
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(@name, 0)
            LIMIT 1
            """,
            connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("name", Name);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? $"pid {reader.GetInt32(0)}, application '{reader.GetString(1)}', connected since {reader.GetFieldValue<DateTimeOffset>(2):O}"
                    : "(the holder has just released it)";
            }
        }
    }
}
