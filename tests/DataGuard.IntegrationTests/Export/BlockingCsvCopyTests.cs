using DataGuard.IntegrationTests.Chaos;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Export;

/// <summary>
/// The CSV pass-through of a whole table reads with blocking calls on a thread of its own (BlockingCsvCopy): cancelling
/// must still end it at once, while it waits for a lock, while it copies, and when the server never answers the cancel
/// request; and once the caller has its answer, nothing more is written to the output.
/// </summary>
public sealed class BlockingCsvCopyTests
{
    [Fact]
    public async Task Cancelling_an_export_that_waits_for_the_table_s_lock_ends_it_as_cancelled_and_the_wait_with_it()
    {
        await using var harness = await ExportHarness.CreateAsync();
        await using var holder = new NpgsqlConnection(harness.Database.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE", holder, hold))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var output = new WatchedStream();
        using var cancel = new CancellationTokenSource();
        var export = harness.Services.GetRequiredService<TableExports>().ExportAsync("public.orders", "csv", output, cancellationToken: cancel.Token);
        await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(harness.Database.ConnectionString) == 1, TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.DoesNotContain("did not end", error.Message, StringComparison.Ordinal);   // the server ended it: no abandonment
        Assert.Equal(0, output.Written);
        await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(harness.Database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cancelling_mid_copy_ends_it_as_cancelled_and_nothing_is_written_after()
    {
        await using var harness = await ExportHarness.CreateAsync();
        await harness.Database.ExecuteAsync("CREATE TABLE public.wide AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g");
        using var cancel = new CancellationTokenSource();
        var output = new WatchedStream { Delay = TimeSpan.FromMilliseconds(20) };
        var export = harness.Services.GetRequiredService<TableExports>().ExportAsync("public.wide", "csv", output, cancellationToken: cancel.Token);
        await output.FirstWrite.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancel.Token, error.CancellationToken);
        var written = output.Written;
        Assert.True(written < 300000L * 40, $"{written} bytes: the whole table was copied before the cancellation took effect");
        await Task.Delay(500);
        Assert.Equal(written, output.Written);
        await Eventually.WaitUntilAsync(async () => await CopiesAsync(harness.Database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_export_whose_server_never_answers_the_cancel_is_let_go_after_the_grace_period_and_writes_nothing_more()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await database.ExecuteAsync("CREATE TABLE public.wide AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g");
        await using var proxy = new ChaosTcpProxy(server.Port);
        var proxied = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = proxy.Port, Pooling = false }.ConnectionString;
        await using var harness = await ExportHarness.CreateAsync(more: services => services.Configure<PostgresOptions>(o => o.ConnectionString = proxied));
        using var cancel = new CancellationTokenSource();
        var output = new WatchedStream { Delay = TimeSpan.FromMilliseconds(20) };
        var export = harness.Services.GetRequiredService<TableExports>().ExportAsync("public.wide", "csv", output, cancellationToken: cancel.Token);
        await output.FirstWrite.WaitAsync(TimeSpan.FromSeconds(60));
        proxy.Freeze();
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.Contains("did not end its COPY", error.Message, StringComparison.Ordinal);
        var written = output.Written;
        await Task.Delay(500);
        Assert.Equal(written, output.Written);

        // Once the path is back, the cancel request arrives, the server ends the COPY and the abandoned thread closes
        // its connection: nothing is left running on the server.
        proxy.Thaw();
        await Eventually.WaitUntilAsync(async () => await CopiesAsync(database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(written, output.Written);
    }

    [Fact]
    public async Task A_multiplexing_connection_string_exports_the_same_csv_and_redaction_still_applies()
    {
        // Npgsql refuses synchronous calls when multiplexing: the blocking copy's connection comes from a data source
        // without it, and a connection handed back for redaction works the same.
        await using var harness = await ExportHarness.CreateAsync(more: services => services.Configure<PostgresOptions>(
            o => o.ConnectionString = new NpgsqlConnectionStringBuilder(o.ConnectionString) { Multiplexing = true, Pooling = true }.ConnectionString));
        var tables = harness.Services.GetRequiredService<TableExports>();
        using var whole = new MemoryStream();
        Assert.Empty(await tables.ExportAsync("public.orders", "csv", whole));
        Assert.Equal(4, System.Text.Encoding.UTF8.GetString(whole.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        using var redacted = new MemoryStream();
        Assert.NotEmpty(await tables.ExportAsync("public.users", "csv", redacted));
        Assert.DoesNotContain(ExportFixtures.Secret, System.Text.Encoding.UTF8.GetString(redacted.ToArray()), StringComparison.Ordinal);
    }

    private static async Task<long> LockWaitersAsync(string connectionString) =>
        await ScalarAsync(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");

    private static async Task<long> CopiesAsync(string connectionString) =>
        await ScalarAsync(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %' AND state = 'active' AND pid <> pg_backend_pid()");

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>An output that counts what reaches it, says when the first write came, and can be slow.</summary>
    private sealed class WatchedStream : Stream
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _written;

        public TimeSpan Delay { get; init; }

        public Task FirstWrite => _first.Task;

        public long Written => Interlocked.Read(ref _written);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Interlocked.Add(ref _written, count);
            _first.TrySetResult();
            if (Delay > TimeSpan.Zero)
            {
                Thread.Sleep(Delay);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
