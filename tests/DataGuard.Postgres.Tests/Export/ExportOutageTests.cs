using System.Net.Sockets;
using DataGuard.Postgres.Export;
using DataGuard.Storage;
using Npgsql;

namespace DataGuard.Postgres.Tests.Export;

/// <summary>Which failures of an export attempt are an outage (not counted against MaxAttempts) and which are the job's.</summary>
public sealed class ExportOutageTests
{
    public static TheoryData<string, Exception, bool> Failures => new()
    {
        { "storage down", new StorageException("S3 write of 'exports/x' failed: Connection refused", new HttpRequestException("refused")), true },
        { "storage refusing (403)", new StorageException("S3 write of 'exports/x' failed: AccessDenied"), true },
        { "storage failure wrapped", new DataGuardException("export failed", new StorageException("S3 list failed")), true },
        { "connection lost", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()), true },
        { "connection refused", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "server shutting down (57P01)", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), true },
        { "too many connections (53300)", new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300"), true },
        { "query timed out (client)", new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt")), false },
        { "statement_timeout (57014)", new PostgresException("canceling statement due to statement timeout", "ERROR", "ERROR", "57014"), false },
        { "connection failure (08006)", new PostgresException("connection failure", "FATAL", "FATAL", "08006"), true },
        { "temp_file_limit exceeded (53400)", new PostgresException("temporary file size exceeds temp_file_limit", "ERROR", "ERROR", "53400"), false },
        { "program limit (54000)", new PostgresException("row is too big", "ERROR", "ERROR", "54000"), false },
        { "serialization failure (40001)", new PostgresException("could not serialize access", "ERROR", "ERROR", "40001"), false },
        { "deadlock (40P01)", new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01"), false },
        { "lock not available (55P03)", new PostgresException("could not obtain lock", "ERROR", "ERROR", "55P03"), false },
        { "missing table (42P01)", new PostgresException("relation \"public.orders\" does not exist", "ERROR", "ERROR", "42P01"), false },
        { "a format failing", new InvalidOperationException("the PDF renderer failed"), false },
        { "local disk full", new IOException("No space left on device"), false },
    };

    /// <summary>
    /// A server that accepts the connection and never answers: Npgsql's connect timeout is the same exception type as a
    /// command timeout (the job's failure), but it happened while opening, so it is an outage.
    /// </summary>
    [Fact]
    public async Task A_connection_that_times_out_while_opening_is_an_outage_unlike_the_same_timeout_on_a_query()
    {
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var accepting = silent.AcceptSocketAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new PostgresOptions { ConnectionString = $"Host=127.0.0.1;Port={port};Username=u;Password=p;Database=d;Timeout=1;Pooling=false" });
        await using var dataSource = new DataGuardDataSource(options);

        var ex = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());
        using var accepted = await accepting;

        Assert.True(ExportJobRunner.IsOutage(ex), $"{ex.GetType().Name}: {ex.Message} ({ex.InnerException?.GetType().Name})");
        Assert.True(ExportJobRunner.IsOutage(new DataGuardException("export failed", ex)));

        // Npgsql's connect timeout: the exception a query's timeout throws too, which stays the job's failure.
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.False(ExportJobRunner.IsOutage(new NpgsqlException(ex.Message, ex.InnerException)));
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void An_attempt_failing_because_storage_or_PostgreSQL_was_unavailable_is_an_outage(string failure, Exception exception, bool outage) =>
        Assert.True(ExportJobRunner.IsOutage(exception) == outage, $"{failure}: expected {(outage ? "an outage" : "the job's failure")}");
}
