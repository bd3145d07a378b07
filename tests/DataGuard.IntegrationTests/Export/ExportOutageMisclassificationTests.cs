using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Npgsql;

namespace DataGuard.IntegrationTests.Export;

/// <summary>
/// The exception Npgsql really throws when a query runs past CommandTimeout (the export's queries run under it) is
/// "transient"; it is the job's failure, not an outage: a subject whose export query is too slow would otherwise be
/// rebuilt up to MaxOutageAttempts times instead of failing after MaxAttempts (review of the outage accounting).
/// </summary>
public sealed class ExportOutageMisclassificationTests
{
    [Fact]
    public async Task A_query_running_past_CommandTimeout_is_not_an_outage()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { CommandTimeout = 1 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var slow = new NpgsqlCommand("SELECT pg_sleep(3)", connection);
        var timeout = await Assert.ThrowsAnyAsync<NpgsqlException>(() => slow.ExecuteScalarAsync());
        Assert.IsType<TimeoutException>(timeout.InnerException);

        await using var again = new NpgsqlConnection(database.ConnectionString);
        await again.OpenAsync();
        await using var limited = new NpgsqlCommand("SET statement_timeout = '100ms'; SELECT pg_sleep(3)", again);
        var cancelled = await Assert.ThrowsAsync<PostgresException>(() => limited.ExecuteScalarAsync());
        Assert.Equal("57014", cancelled.SqlState);
        Assert.False(ExportJobRunner.IsOutage(cancelled));

        Assert.False(ExportJobRunner.IsOutage(timeout), $"Npgsql's command timeout ({timeout.GetType().Name}: {timeout.Message}, IsTransient={timeout.IsTransient}) counts as an outage");
    }
}
