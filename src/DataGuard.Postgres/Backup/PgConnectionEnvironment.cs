using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// The environment that hands a connection to pg_dump / pg_restore: PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE and
/// PGPASSWORD. The password goes through the child's environment, never its command line.
/// </summary>
internal static class PgConnectionEnvironment
{
    public static Dictionary<string, string?> For(NpgsqlConnectionStringBuilder connection)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGHOST"] = connection.Host,
            ["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = connection.Username,
            ["PGDATABASE"] = connection.Database ?? connection.Username,
            ["PGAPPNAME"] = "dataguard",
            ["PGCONNECT_TIMEOUT"] = Math.Max(1, connection.Timeout).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGPASSWORD"] = string.IsNullOrEmpty(connection.Password) ? null : connection.Password,
            ["PGSSLMODE"] = connection.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            },
        };
        return environment;
    }
}
