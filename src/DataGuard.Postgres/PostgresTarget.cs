using Npgsql;

namespace DataGuard.Postgres;

/// <summary>Describes a connection string for messages and logs: host, port, database and user, never the password.</summary>
internal static class PostgresTarget
{
    /// <summary>Describes a connection string without its secrets.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <returns>For example <c>postgres@127.0.0.1:5432/app</c>.</returns>
    public static string Describe(string? connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "(invalid connection string)";
        }
    }
}
