using DataGuard.Postgres;
using Npgsql;

namespace DataGuard.Tests.Postgres;

public sealed class DataGuardDataSourceTests
{
    [Fact]
    public void Connections_get_a_128_KiB_read_buffer_unless_the_connection_string_sets_one()
    {
        var configured = "Host=db;Username=app;Password=secret;Database=app";
        Assert.Equal(128 * 1024, new NpgsqlConnectionStringBuilder(DataGuardDataSource.WithReadBuffer(configured)).ReadBufferSize);
        Assert.Equal("secret", new NpgsqlConnectionStringBuilder(DataGuardDataSource.WithReadBuffer(configured)).Password);
        Assert.Equal(32768, new NpgsqlConnectionStringBuilder(DataGuardDataSource.WithReadBuffer(configured + ";Read Buffer Size=32768")).ReadBufferSize);
    }
}
