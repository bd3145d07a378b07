using Npgsql;

namespace DataGuard.Postgres;

/// <summary>
/// The <see cref="NpgsqlDataSource"/> DataGuard uses, kept apart from any data source the host registers
/// for itself. One per process.
/// </summary>
public sealed class DataGuardDataSource : IAsyncDisposable, IDisposable
{
    /// <summary>Initializes a new instance of the <see cref="DataGuardDataSource"/> class.</summary>
    /// <param name="dataSource">The data source to own.</param>
    public DataGuardDataSource(NpgsqlDataSource dataSource) => DataSource = dataSource;

    /// <summary>Gets the data source.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <inheritdoc />
    public void Dispose() => DataSource.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
