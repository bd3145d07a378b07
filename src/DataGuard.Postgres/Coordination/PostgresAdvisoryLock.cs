using DataGuard.Coordination;
using Npgsql;

namespace DataGuard.Postgres.Coordination;

/// <summary>
/// An <see cref="IDistributedLock"/> on a PostgreSQL session advisory lock, held on a dedicated connection of its own
/// (not pooled), so every replica of the host that protects the same database shares it.
/// </summary>
internal sealed class PostgresAdvisoryLock : IDistributedLock
{
    private readonly DataGuardDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresAdvisoryLock"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source (the lock's connection is a dedicated one of it).</param>
    public PostgresAdvisoryLock(DataGuardDataSource dataSource) => _dataSource = dataSource;

    /// <inheritdoc />
    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenDedicatedConnectionAsync("dataguard-lock", cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("name", name);
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return new Handle(connection, name);
                }
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private sealed class Handle(NpgsqlConnection connection, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@name, 0))", connection);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.AddWithValue("name", name);
                    await command.ExecuteScalarAsync().ConfigureAwait(false);
                }
            }
            catch (NpgsqlException)
            {
                // Closing the session below releases the lock anyway.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
