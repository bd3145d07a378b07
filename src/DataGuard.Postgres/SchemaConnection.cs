using Npgsql;

namespace DataGuard.Postgres;

/// <summary>Opens a connection after making sure DataGuard's tables of one part exist (idempotent <c>CREATE ... IF NOT EXISTS</c>).</summary>
internal static class SchemaConnection
{
    public static async Task<NpgsqlConnection> OpenAsync(string? connectionString, string createSql, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var schema = new NpgsqlCommand(createSql, connection);
            await using (schema.ConfigureAwait(false))
            {
                await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
