using System.Diagnostics;
using DataGuard.Telemetry;
using Npgsql;

namespace DataGuard.Postgres;

/// <summary>Tags DataGuard's spans with the PostgreSQL database they talk to (never the user or the password).</summary>
internal static class PgActivity
{
    /// <summary>Tags <c>db.system.name</c>, <c>db.namespace</c>, <c>server.address</c> and <c>server.port</c> from a connection string.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="connection">The connection string, parsed.</param>
    /// <returns>The span.</returns>
    public static Activity? SetDatabase(this Activity? activity, NpgsqlConnectionStringBuilder connection) =>
        activity.SetDatabase(connection.Database ?? connection.Username, connection.Host, connection.Port);

    /// <summary>Tags the database of an open connection.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="connection">The connection.</param>
    /// <returns>The span.</returns>
    public static Activity? SetDatabase(this Activity? activity, NpgsqlConnection connection) =>
        activity.SetDatabase(connection.Database, connection.Host, connection.Port);

    /// <summary>Tags the database DataGuard protects (the data source's), without opening anything.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <returns>The span.</returns>
    public static Activity? SetDatabase(this Activity? activity, NpgsqlDataSource dataSource) =>
        activity is null ? null : activity.SetDatabase(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString));
}
