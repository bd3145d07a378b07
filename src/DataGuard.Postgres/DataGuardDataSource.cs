using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres;

/// <summary>
/// The <see cref="NpgsqlDataSource"/> DataGuard uses for the protected database, kept apart from any data source the
/// host registers for itself: one per process, built on first use from <c>DataGuard:Postgres:ConnectionString</c> (so
/// that parts that need no database, such as listing or verifying backups, never ask for it). Every connection to
/// the protected database comes from here.
/// </summary>
internal sealed class DataGuardDataSource : IAsyncDisposable, IDisposable
{
    private readonly Lazy<NpgsqlDataSource> _dataSource;
    private readonly Lazy<NpgsqlDataSource> _dedicated;
    private readonly Lazy<NpgsqlDataSource?> _unmultiplexed;

    /// <summary>Initializes a new instance of the <see cref="DataGuardDataSource"/> class.</summary>
    /// <param name="options">The PostgreSQL options.</param>
    /// <param name="loggerFactory">Npgsql's logging, when the host has it.</param>
    public DataGuardDataSource(IOptions<PostgresOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = new Lazy<NpgsqlDataSource>(() => Build(WithReadBuffer(options.Value.ConnectionString), loggerFactory));

        // Npgsql refuses synchronous calls on a multiplexing data source: OpenConnection's come from one without.
        _unmultiplexed = new Lazy<NpgsqlDataSource?>(() => new NpgsqlConnectionStringBuilder(options.Value.ConnectionString).Multiplexing
            ? Build(new NpgsqlConnectionStringBuilder(WithReadBuffer(options.Value.ConnectionString)) { Multiplexing = false }.ConnectionString, loggerFactory)
            : null);
        _dedicated = new Lazy<NpgsqlDataSource>(() =>
            new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(options.Value.ConnectionString) { Pooling = false }.ConnectionString).Build());
    }

    private static NpgsqlDataSource Build(string connectionString, ILoggerFactory? loggerFactory)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return builder.Build();
    }

    /// <summary>
    /// The read buffer DataGuard's connections get unless the connection string sets one: 128 KiB instead of Npgsql's
    /// 8 KiB, since they mostly stream (COPY exports, row scans): a few times fewer socket reads and thread-pool hand-offs.
    /// </summary>
    internal const int DefaultReadBufferSize = 128 * 1024;

    /// <summary>The connection string with <see cref="DefaultReadBufferSize"/> unless it names its own <c>Read Buffer Size</c>.</summary>
    /// <param name="connectionString">The configured connection string.</param>
    /// <returns>The connection string to build the data source from.</returns>
    internal static string WithReadBuffer(string? connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.ReadBufferSize == new NpgsqlConnectionStringBuilder().ReadBufferSize)
        {
            builder.ReadBufferSize = DefaultReadBufferSize;
        }

        return builder.ConnectionString;
    }

    /// <summary>Gets the data source.</summary>
    public NpgsqlDataSource DataSource => _dataSource.Value;

    /// <summary>
    /// The key in <see cref="Exception.Data"/> of an exception thrown while a connection was opened (PostgreSQL could not
    /// be reached or refused the session: refused, timed out, authentication, a pool exhausted), as opposed to a failure
    /// of the work done on it. The exception is otherwise unchanged.
    /// </summary>
    internal const string ConnectFailedKey = "DataGuard.ConnectFailed";

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) was thrown while a connection was opened.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns><see langword="true"/> when a connection could not be opened.</returns>
    internal static bool IsConnectFailure(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data.Contains(ConnectFailedKey))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Opens a connection to the protected database.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open connection; dispose it to return it.</returns>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            // A connect timeout is the same exception as a command timeout; only where it happened tells them apart.
            ex.Data[ConnectFailedKey] = true;
            throw;
        }
    }

    /// <summary>
    /// Opens a connection to the protected database with a blocking call: a physical connection opened and used with
    /// synchronous calls only keeps a blocking socket (<see cref="Export.BlockingCsvCopy"/>).
    /// </summary>
    /// <returns>The open connection; dispose it to return it.</returns>
    public NpgsqlConnection OpenConnection()
    {
        try
        {
            return (_unmultiplexed.Value ?? DataSource).OpenConnection();
        }
        catch (NpgsqlException ex)
        {
            ex.Data[ConnectFailedKey] = true;
            throw;
        }
    }

    /// <summary>
    /// Opens a connection of its own (never pooled) named <paramref name="applicationName"/> in <c>pg_stat_activity</c>:
    /// for session advisory locks, which closing the connection must release.
    /// </summary>
    /// <param name="applicationName">The name other sessions see (who holds a lock).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open connection; dispose it to close it.</returns>
    internal async Task<NpgsqlConnection> OpenDedicatedConnectionAsync(string applicationName, CancellationToken cancellationToken)
    {
        var connection = await _dedicated.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand("SELECT set_config('application_name', @name, false)", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("name", applicationName);
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

    /// <inheritdoc />
    public void Dispose()
    {
        if (_dataSource.IsValueCreated)
        {
            _dataSource.Value.Dispose();
        }

        if (_dedicated.IsValueCreated)
        {
            _dedicated.Value.Dispose();
        }

        if (_unmultiplexed.IsValueCreated)
        {
            _unmultiplexed.Value?.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync().ConfigureAwait(false);
        }

        if (_dedicated.IsValueCreated)
        {
            await _dedicated.Value.DisposeAsync().ConfigureAwait(false);
        }

        if (_unmultiplexed is { IsValueCreated: true, Value: { } unmultiplexed })
        {
            await unmultiplexed.DisposeAsync().ConfigureAwait(false);
        }
    }
}
