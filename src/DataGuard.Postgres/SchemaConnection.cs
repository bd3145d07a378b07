using Npgsql;

namespace DataGuard.Postgres;

/// <summary>
/// Opens a connection after making sure DataGuard's tables of one part exist (idempotent <c>CREATE ... IF NOT
/// EXISTS</c>, run once per process and database, not on every poll of a worker).
/// </summary>
internal static class SchemaConnection
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string? ConnectionString, string Sql), bool> Ensured = new();

    public static async Task<NpgsqlConnection> OpenAsync(string? connectionString, string createSql, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (Ensured.ContainsKey((connectionString, createSql)))
            {
                return connection;
            }

            var schema = new NpgsqlCommand(createSql, connection);
            await using (schema.ConfigureAwait(false))
            {
                await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            Ensured[(connectionString, createSql)] = true;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
