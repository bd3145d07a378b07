using DataGuard.Postgres.Tools;
using Npgsql;

namespace DataGuard.Postgres.Pitr;

/// <summary>Starts a restored data directory with pg_ctl and waits until recovery reaches its target (paused there, or promoted).</summary>
internal sealed class RecoveringServer(PgTool pgCtl, string dataDirectory, string connectionString, int? port, TimeProvider time)
{
    /// <summary>Gets the server's log (pg_ctl -l): what restore_command wrote on stderr is there too.</summary>
    public string LogFile => Path.Combine(dataDirectory, "dataguard-recovery.log");

    /// <summary>Gets a connection to the started server: production's user and database, on this machine and the copy's port.</summary>
    public NpgsqlConnectionStringBuilder Connection
    {
        get
        {
            // pg_ctl started the server here: connect to this machine, whatever host production runs on.
            var target = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 };
            target.Host = LocalHost(target.Host);
            if (port is { } p)
            {
                target.Port = p;
            }

            return target;
        }
    }

    public async Task<(string? Lsn, DateTimeOffset? Time, string State)> StartAndWaitAsync(bool promote, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // -w: pg_ctl returns once the server accepts connections (a hot standby does once consistent), or fails
        // when recovery failed; the wait for the recovery target after that is ours.
        var seconds = ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await ServerUser.RunAsync(pgCtl.Path, ["-D", dataDirectory, "-l", LogFile, "-w", "-t", seconds, "start"], cancellationToken, asServerUser: true).ConfigureAwait(false);
        }
        catch (DataGuardException ex)
        {
            throw new DataGuardException($"The restored server did not start{await WhyAsync().ConfigureAwait(false)}", ex) { Operation = "pitr.restore" };
        }

        var target = Connection;
        var deadline = time.GetUtcNow() + timeout;
        while (time.GetUtcNow() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reached = await TryReadStateAsync(target, cancellationToken).ConfigureAwait(false);
            if (reached is { } state && (state.State == "promoted" || state.State == "paused at target"))
            {
                return state;
            }

            if (!await IsRunningAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new DataGuardException($"The restored server stopped during recovery, not promoted{await WhyAsync().ConfigureAwait(false)}") { Operation = "pitr.restore" };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Recovery did not reach its target within {timeout}; the server is still running on {dataDirectory}. Log: {await TailOfLogAsync().ConfigureAwait(false)}");
    }

    /// <summary>Stops the server (fast shutdown, immediate when that fails).</summary>
    public async Task StopAsync()
    {
        try
        {
            await ServerUser.RunAsync(pgCtl.Path, ["-D", dataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
        }
        catch (DataGuardException)
        {
            await ServerUser.RunAsync(pgCtl.Path, ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None, asServerUser: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why recovery failed, from the server's log: the restore_command failure (the WAL file and the cause that
    /// <c>dataguard wal fetch</c> wrote) first, then PostgreSQL's FATAL line, else the last lines.
    /// </summary>
    internal static string Why(IReadOnlyList<string> lines)
    {
        var fatal = lines.LastOrDefault(l => l.Contains("FATAL:", StringComparison.Ordinal));
        var fetch = lines.LastOrDefault(l => l.StartsWith("dataguard: wal fetch ", StringComparison.Ordinal) && l.Contains("FAILED", StringComparison.Ordinal));
        var found = new[] { fetch, fatal }.OfType<string>().ToList();
        return found.Count > 0 ? string.Join(" | ", found) : string.Join(" | ", lines.TakeLast(6));
    }

    /// <summary>The local address of a server started on this machine: a Unix socket folder stays, any other host becomes 127.0.0.1.</summary>
    internal static string LocalHost(string? host) => host is not null && host.StartsWith('/') ? host : "127.0.0.1";

    private static async Task<(string? Lsn, DateTimeOffset? Time, string State)?> TryReadStateAsync(NpgsqlConnectionStringBuilder target, CancellationToken cancellationToken)
    {
        try
        {
            var connection = new NpgsqlConnection(target.ConnectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var command = new NpgsqlCommand(
                    "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE 'promoted' END, pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp()",
                    connection);
                await using (command.ConfigureAwait(false))
                {
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        var pause = reader.GetString(1);
                        var state = pause == "promoted" ? "promoted" : pause == "paused" ? "paused at target" : "recovering";
                        var lsn = reader.IsDBNull(2) ? null : reader.GetString(2);
                        DateTimeOffset? time = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
                        return (lsn, time, state);
                    }
                }
            }
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    private async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ServerUser.RunAsync(pgCtl.Path, ["-D", dataDirectory, "status"], cancellationToken, asServerUser: true).ConfigureAwait(false);
            return true;
        }
        catch (DataGuardException)
        {
            return false;
        }
    }

    private async Task<string> TailOfLogAsync()
    {
        if (!File.Exists(LogFile))
        {
            return "(no log)";
        }

        var lines = await File.ReadAllLinesAsync(LogFile).ConfigureAwait(false);
        return string.Join(" | ", lines.TakeLast(6));
    }

    private async Task<string> WhyAsync() =>
        File.Exists(LogFile) ? $": {Why(await File.ReadAllLinesAsync(LogFile).ConfigureAwait(false))} (log: {LogFile})" : " (no log)";
}
