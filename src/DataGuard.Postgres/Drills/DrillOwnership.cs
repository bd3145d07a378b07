using System.Text.RegularExpressions;
using Npgsql;

namespace DataGuard.Postgres.Drills;

/// <summary>
/// Who owns a drill's scratch database. A running logical drill holds a session advisory lock named after its scratch
/// database on the drill server, from before it creates the database until it has dropped it; a process killed
/// meanwhile (after the restore committed, say) loses the lock with its connection but leaves the database, a full copy
/// of the backup nobody would drop. The next drill on that server drops every database with a generated drill name
/// (<c>prefix</c> + <c>yyyyMMdd_HHmmss_xxxxxx</c>), owned by its own role, that no session is connected to and whose
/// lock it can take: its drill is gone. The lock's session is kept from timing out (no <c>idle_session_timeout</c>,
/// keepalives), and a name chosen by hand (<see cref="DrillOptions.Database"/>) is never swept.
/// </summary>
internal sealed partial class DrillOwnership : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private DrillOwnership(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Takes the lock of the scratch database <paramref name="target"/> names (on the server's <c>postgres</c> database); held until disposed.</summary>
    public static async Task<DrillOwnership> AcquireAsync(NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        // Idle for the whole restore: the server must not end the session (which would free the lock) meanwhile.
        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false, KeepAlive = 30, TcpKeepAlive = true };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var noTimeout = new NpgsqlCommand("SELECT set_config(name, '0', false) FROM pg_settings WHERE name IN ('idle_session_timeout', 'idle_in_transaction_session_timeout')", connection);
            await using (noTimeout.ConfigureAwait(false))
            {
                await noTimeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await LockAsync(connection, "pg_advisory_lock", target.Database!, cancellationToken).ConfigureAwait(false);
            return new DrillOwnership(connection);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Drops the scratch databases of drills that did not finish: generated names with <paramref name="prefix"/>, other
    /// than <paramref name="own"/>, whose lock nobody holds.
    /// </summary>
    /// <returns>The databases dropped, and those that could not be (with why).</returns>
    public async Task<(List<string> Dropped, List<string> Failed)> DropLeftoversAsync(string prefix, string own, NpgsqlConnectionStringBuilder production, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        // Only the drill role's own databases (a drill creates its scratch database with it), with nobody connected.
        var list = new NpgsqlCommand(
            """
            SELECT d.datname FROM pg_database d
            WHERE starts_with(d.datname, @prefix) AND d.datname <> @own AND d.datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
            ORDER BY 1
            """,
            _connection);
        await using (list.ConfigureAwait(false))
        {
            list.Parameters.AddWithValue("prefix", prefix);
            list.Parameters.AddWithValue("own", own);
            var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    if (GeneratedSuffix().IsMatch(name[prefix.Length..]))
                    {
                        names.Add(name);
                    }
                }
            }
        }

        var dropped = new List<string>();
        var failed = new List<string>();
        foreach (var name in names)
        {
            try
            {
                DrillGuard.RequireNotProduction(production, new NpgsqlConnectionStringBuilder(_connection.ConnectionString) { Database = name });
            }
            catch (DataGuardException)
            {
                continue; // never touched
            }

            if (!await LockAsync(_connection, "pg_try_advisory_lock", name, cancellationToken).ConfigureAwait(false))
            {
                continue; // a running drill's
            }

            try
            {
                var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {PgIdentifiers.Quote(name)} WITH (FORCE)", _connection);
                await using (drop.ConfigureAwait(false))
                {
                    await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                dropped.Add(name);
            }
            catch (PostgresException ex)
            {
                failed.Add($"{name} ({ex.SqlState}: {ex.MessageText})");
            }

            await LockAsync(_connection, "pg_advisory_unlock", name, cancellationToken).ConfigureAwait(false);
        }

        return (dropped, failed);
    }

    /// <summary>Releases the lock (with the connection).</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static async Task<bool> LockAsync(NpgsqlConnection connection, string function, string database, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand($"SELECT {function}(hashtextextended('dataguard.drill:' || @name, 0))::text", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("name", database);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not "false";
    }

    [GeneratedRegex("^[0-9]{8}_[0-9]{6}_[0-9a-f]{6}$")]
    private static partial Regex GeneratedSuffix();
}
