using DataGuard.Postgres.Schema;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Connections of retention and legal holds: DataGuard's tables in place (<see cref="DataGuardSchema"/>) and the session settings retention depends on.</summary>
internal static class RetentionSession
{
    /// <summary>
    /// The settings of every retention and legal-hold session, whatever the server, database or role say:
    /// <list type="bullet">
    /// <item>time zone UTC, <c>DateStyle</c> ISO, <c>IntervalStyle</c> postgres, all float digits: a hold value is parsed
    /// and printed the same way by whoever places it and by every run;</item>
    /// <item><c>standard_conforming_strings</c> on: a backslash in a literal is a backslash;</item>
    /// <item><c>row_security</c> off: a check that row security would filter fails instead of silently seeing fewer rows
    /// (a held row hidden by a tenant policy would be cascaded away unseen);</item>
    /// <item><c>synchronize_seqscans</c> off: scans start at the table's first page, so a run can resume after the rows it
    /// has passed;</item>
    /// <item>JIT off: the planner's estimates for the recursive hold checks trigger a compilation that costs a second or
    /// more for a statement that runs in milliseconds.</item>
    /// </list>
    /// </summary>
    public const string SessionSettings =
        "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; " +
        "SET standard_conforming_strings = on; SET row_security = off; SET synchronize_seqscans = off; SET jit = off";

    /// <summary>
    /// Opens a connection for retention or legal holds, with the tables in place and the session's time zone set to
    /// UTC and the other <see cref="SessionSettings"/>: nothing read or written depends on what the server, the database
    /// or the role says.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAsync(DataGuardDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await DataGuardSchema.OpenAsync(dataSource, cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand(SessionSettings, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
