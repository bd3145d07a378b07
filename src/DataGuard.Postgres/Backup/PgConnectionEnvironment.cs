using System.Globalization;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// The environment that hands a connection to pg_dump / pg_restore / pg_basebackup: PGHOST, PGPORT, PGUSER, PGDATABASE
/// (read literally by libpq, never as a connection string), PGSSLMODE, and PGPASSFILE when there is a password. The
/// password itself is never in the child's environment or command line: it goes into a 0600 password file
/// (<see cref="PgPassfile"/>), and secrets DataGuard's own process holds are removed from what the child inherits.
/// </summary>
internal static class PgConnectionEnvironment
{
    /// <summary>The environment variable the CLI reads a restore target's password from.</summary>
    public const string TargetPasswordVariable = "DATAGUARD_TARGET_PASSWORD";

    /// <summary>Removes, from a child's environment, the secrets it does not need and must not pass on to its own children.</summary>
    /// <param name="environment">The child's environment, as inherited.</param>
    public static void RemoveSecrets(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var name in environment.Keys.ToList())
        {
            if (IsSecret(name))
            {
                environment.Remove(name);
            }
        }
    }

    /// <summary>Whether an inherited variable is a secret no pg tool needs: PGPASSWORD, the restore target's password, and DataGuard's configuration (connection strings, keys).</summary>
    /// <param name="name">The variable's name.</param>
    /// <returns>Whether to remove it.</returns>
    public static bool IsSecret(string name) =>
        name is "PGPASSWORD" or TargetPasswordVariable
        || name.StartsWith("DataGuard__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("DataGuard:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The password Npgsql would use for this connection: the connection string's, else the inherited PGPASSWORD.
    /// (Without either, Npgsql and the tools both read the same password file: PGPASSFILE or ~/.pgpass.)
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <returns>The password, or <see langword="null"/>.</returns>
    public static string? PasswordOf(NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return string.IsNullOrEmpty(connection.Password) ? NullIfEmpty(Environment.GetEnvironmentVariable("PGPASSWORD")) : connection.Password;
    }

    /// <summary>The variables that point a tool at <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="passfile">The password file made for this child, if any.</param>
    /// <returns>Variables to set (a <see langword="null"/> value removes an inherited one).</returns>
    public static Dictionary<string, string?> For(NpgsqlConnectionStringBuilder connection, PgPassfile? passfile)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGHOST"] = connection.Host,
            ["PGPORT"] = connection.Port.ToString(CultureInfo.InvariantCulture),
            ["PGUSER"] = connection.Username,
            ["PGDATABASE"] = connection.Database ?? connection.Username,
            ["PGAPPNAME"] = "dataguard",

            // Inherited, these would send the tool to another address or database than the one DataGuard checked
            // (a service file's settings outrank the variables above).
            ["PGHOSTADDR"] = null,
            ["PGSERVICE"] = null,
            ["PGSERVICEFILE"] = null,
            ["PGCONNECT_TIMEOUT"] = Math.Max(1, connection.Timeout).ToString(CultureInfo.InvariantCulture),
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
        if (passfile is not null)
        {
            environment["PGPASSFILE"] = passfile.Path;
        }
        else if (!string.IsNullOrEmpty(connection.Passfile))
        {
            environment["PGPASSFILE"] = connection.Passfile;
        }

        return environment;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
