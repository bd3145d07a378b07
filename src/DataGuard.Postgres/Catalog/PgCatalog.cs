using Npgsql;

namespace DataGuard.Postgres.Catalog;

/// <summary>Reads tables, columns and foreign keys from the system catalog (the source of every identifier DataGuard puts into SQL).</summary>
internal static class PgCatalog
{
    /// <summary>Reads a table, or returns <see langword="null"/> when there is no table (plain or partitioned) of that name.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="qualifiedName">The table, <c>schema.table</c> (exact names, no quoting).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The table, or <see langword="null"/>.</returns>
    public static Task<PgTable?> FindTableAsync(NpgsqlConnection connection, string qualifiedName, CancellationToken cancellationToken) =>
        FindTableAsync(connection, qualifiedName, async: true, cancellationToken).AsTask();

    /// <summary>
    /// Reads a table with synchronous calls only (a connection that never had an asynchronous call keeps a blocking
    /// socket: <see cref="Export.TableExports"/>), or returns <see langword="null"/> when there is no such table.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="qualifiedName">The table, <c>schema.table</c> (exact names, no quoting).</param>
    /// <returns>The table, or <see langword="null"/>.</returns>
    public static PgTable? FindTable(NpgsqlConnection connection, string qualifiedName)
    {
        var found = FindTableAsync(connection, qualifiedName, async: false, CancellationToken.None);
        System.Diagnostics.Debug.Assert(found.IsCompleted, "async: false completes synchronously");
        return found.GetAwaiter().GetResult();
    }

    private static async ValueTask<PgTable?> FindTableAsync(NpgsqlConnection connection, string qualifiedName, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (PgIdentifiers.SplitQualified(qualifiedName) is not var (schema, name))
        {
            return null;
        }

        var command = new NpgsqlCommand(
            """
            SELECT c.oid, c.relkind = 'p',
                   array(SELECT a.attname FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(n, o) ON true
                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n
                         WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.o)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = @name AND c.relkind IN ('r', 'p');
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, format_type(a.atttypid, NULL) FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relname = @name AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """,
            connection);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("name", name);
        NpgsqlDataReader? reader = null;
        try
        {
            // Disposed the same way as read: DisposeAsync would make a synchronous caller's socket non-blocking.
            reader = async ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteReader();
            if (!(async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read()))
            {
                return null;
            }

            var oid = reader.GetFieldValue<uint>(0);
            var partitioned = reader.GetBoolean(1);
            var primaryKey = reader.GetFieldValue<string[]>(2);
            _ = async ? await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) : reader.NextResult();
            var columns = new List<PgColumn>();
            while (async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read())
            {
                columns.Add(new PgColumn(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)) { BaseType = reader.GetString(3) });
            }

            return new PgTable(oid, schema, name, partitioned, columns, primaryKey);
        }
        finally
        {
            if (async)
            {
                if (reader is not null)
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }

                await command.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                reader?.Dispose();
                command.Dispose();
            }
        }
    }
}
