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
        Assert.DoesNotContain("did not answer", error.Message, StringComparison.Ordinal);   // the server ended it: no abandonment
        Assert.Equal(0, output.Written);
        await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(harness.Database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cancelling_mid_copy_sends_a_cancel_request_ends_it_as_cancelled_and_nothing_is_written_after()
    {
        await using var wide = await WideTableBehindProxy.CreateAsync();
        var (database, proxy, harness) = (wide.Database, wide.Proxy, wide.Harness);
        var tables = harness.Services.GetRequiredService<TableExports>();
        var whole = new WatchedStream();
        await tables.ExportAsync("public.wide", "csv", whole);
        var before = proxy.Accepted;

        using var cancel = new CancellationTokenSource();
        var output = new WatchedStream { Delay = TimeSpan.FromMilliseconds(20) };
        var export = tables.ExportAsync("public.wide", "csv", output, cancellationToken: cancel.Token);
        await output.FirstWrite.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancel.Token, error.CancellationToken);
        var written = output.Written;
        Assert.True(written < whole.Written / 2, $"{written} of {whole.Written} bytes: the copy went on after the cancellation");
        await Task.Delay(500);
        Assert.Equal(written, output.Written);

        // The export's own connection and one that carried the cancel request: the server stopped sending, rather than
        // the client reading the rest of the table to the end before it let go.
        Assert.True(proxy.Accepted >= before + 2, $"{proxy.Accepted - before} connection(s) for the cancelled export: no cancel request was sent");
        await Eventually.WaitUntilAsync(async () => await CopiesAsync(database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_export_whose_server_never_answers_the_cancel_is_let_go_after_the_grace_period_and_writes_nothing_more()
    {
        await using var wide = await WideTableBehindProxy.CreateAsync();
        var (database, proxy, harness) = (wide.Database, wide.Proxy, wide.Harness);
        using var cancel = new CancellationTokenSource();
        var output = new WatchedStream { Delay = TimeSpan.FromMilliseconds(20) };
        var export = harness.Services.GetRequiredService<TableExports>().ExportAsync("public.wide", "csv", output, cancellationToken: cancel.Token);
        await output.FirstWrite.WaitAsync(TimeSpan.FromSeconds(60));
        proxy.Freeze();
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(cancel.Token, error.CancellationToken);
        Assert.Contains("PostgreSQL did not answer", error.Message, StringComparison.Ordinal);
        Assert.True(proxy.Accepted >= 2, "no cancel request was sent");   // it was, and the frozen path holds it
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
    public async Task Inheritance_children_and_partitions_are_in_the_csv_as_in_the_json()
    {
        // COPY of a table reads its own rows only (and refuses a partitioned table): the CSV must hold what a query of
        // the table holds, as the JSON export does.
        await using var harness = await ExportHarness.CreateAsync();
        await harness.Database.ExecuteAsync("""
            CREATE TABLE public.animals (id int, name text);
            CREATE TABLE public.cats (lives int DEFAULT 9) INHERITS (public.animals);
            INSERT INTO public.animals VALUES (1, 'generic');
            INSERT INTO public.cats (id, name) VALUES (2, 'tom'), (3, 'felix');
            CREATE TABLE public.payments (id int, at date, amount numeric) PARTITION BY RANGE (at);
            CREATE TABLE public.payments_2025 PARTITION OF public.payments FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE public.payments_2026 PARTITION OF public.payments FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO public.payments VALUES (1, '2025-03-01', 10.50), (2, '2026-03-01', 20), (3, '2026-11-30', 30);
            """);
        var tables = harness.Services.GetRequiredService<TableExports>();
        foreach (var (table, rows) in new[] { ("public.animals", 3), ("public.payments", 3) })
        {
            using var csv = new MemoryStream();
            Assert.Empty(await tables.ExportAsync(table, "csv", csv));
            var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(rows + 1, lines.Length);
            using var ndjson = new MemoryStream();
            await tables.ExportAsync(table, "ndjson", ndjson);
            Assert.Equal(rows, System.Text.Encoding.UTF8.GetString(ndjson.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        using var cats = new MemoryStream();
        await tables.ExportAsync("public.cats", "csv", cats);
        Assert.Equal("id,name,lives\n2,tom,9\n3,felix,9\n", System.Text.Encoding.UTF8.GetString(cats.ToArray()).Replace("\r", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_output_that_fails_mid_copy_fails_the_export_with_its_own_error_and_the_copy_is_cancelled_not_read_to_the_end()
    {
        await using var wide = await WideTableBehindProxy.CreateAsync();
        var (database, proxy, harness) = (wide.Database, wide.Proxy, wide.Harness);
        var output = new WatchedStream { FailAfter = 1 };
        var error = await Assert.ThrowsAsync<IOException>(
            () => harness.Services.GetRequiredService<TableExports>().ExportAsync("public.wide", "csv", output).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("No space left", error.Message, StringComparison.Ordinal);
        Assert.True(proxy.Accepted >= 2, "no cancel request was sent: disposing the COPY read the rest of the table");
        await Eventually.WaitUntilAsync(async () => await CopiesAsync(database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_column_added_while_the_export_waits_for_the_lock_is_not_exported_and_generated_columns_are()
    {
        await using var harness = await ExportHarness.CreateAsync();
        await harness.Database.ExecuteAsync("CREATE TABLE public.accounts (id int, a int, b int GENERATED ALWAYS AS (a * 2) STORED); INSERT INTO public.accounts (id, a) VALUES (1, 21)");
        var tables = harness.Services.GetRequiredService<TableExports>();
        using (var plain = new MemoryStream())
        {
            await tables.ExportAsync("public.accounts", "csv", plain);
            Assert.Equal("id,a,b\n1,21,42\n", System.Text.Encoding.UTF8.GetString(plain.ToArray()));   // as `\copy (select * ...)`
        }

        await using var migration = new NpgsqlConnection(harness.Database.ConnectionString);
        await migration.OpenAsync();
        var transaction = await migration.BeginTransactionAsync();
        await using (var alter = new NpgsqlCommand("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE", migration, transaction))
        {
            await alter.ExecuteNonQueryAsync();
        }

        var output = new WatchedStream();
        var export = tables.ExportAsync("public.accounts", "csv", output);
        await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(harness.Database.ConnectionString) == 1, TimeSpan.FromSeconds(30));
        await using (var alter = new NpgsqlCommand("ALTER TABLE public.accounts ADD COLUMN password_hash text; UPDATE public.accounts SET password_hash = 'S3CRET'", migration, transaction))
        {
            await alter.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        var error = await Assert.ThrowsAsync<DataGuardException>(() => export.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("changed while the export waited", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, output.Written);
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

    [Fact]
    public async Task Ctrl_c_during_export_table_cancels_it_says_so_and_leaves_no_file()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync("CREATE TABLE public.t AS SELECT g AS id FROM generate_series(1, 10) g");
        await using var holder = new NpgsqlConnection(database.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE", holder, hold))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var folder = Directory.CreateTempSubdirectory("dataguard-interrupt-").FullName;
        try
        {
            var file = Path.Combine(folder, "t.csv");
            using var cli = ChaosProcess.Start(
                ["export", "table", "public.t", "--out", file, "--all-columns"],
                new Dictionary<string, string> { ["DataGuard__Postgres__ConnectionString"] = database.ConnectionString });
            await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(database.ConnectionString) == 1, TimeSpan.FromSeconds(60));
            Assert.True(File.Exists(file + ".partial"));
            cli.Interrupt();
            await cli.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.False(cli.Killed);
            Assert.True(cli.ExitCode == 1, cli.Describe());
            Assert.Contains("dataguard: cancelled.", cli.Error, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));   // neither the file nor its .partial
            await Eventually.WaitUntilAsync(async () => await LockWaitersAsync(database.ConnectionString) == 0, TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A database with a 300,000-row table (12 MB of CSV), an export harness reaching it through a TCP proxy (unpooled: one connection per export, counted at the proxy).</summary>
    private sealed class WideTableBehindProxy(TestDatabase database, ChaosTcpProxy proxy) : IAsyncDisposable
    {
        public TestDatabase Database => database;

        public ChaosTcpProxy Proxy => proxy;

        public ExportHarness Harness { get; private set; } = null!;

        public static async Task<WideTableBehindProxy> CreateAsync()
        {
            var database = await TestPostgres.CreateDatabaseAsync();
            await database.ExecuteAsync("CREATE TABLE public.wide AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g");
            var proxy = new ChaosTcpProxy(new NpgsqlConnectionStringBuilder(database.ConnectionString).Port);
            var proxied = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = proxy.Port, Pooling = false }.ConnectionString;
            var wide = new WideTableBehindProxy(database, proxy);
            wide.Harness = await ExportHarness.CreateAsync(more: services => services.Configure<PostgresOptions>(o => o.ConnectionString = proxied));
            return wide;
        }

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await proxy.DisposeAsync();
            await database.DisposeAsync();
        }
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

        /// <summary>Gets the number of writes after which each write fails as a full disk would.</summary>
        public int? FailAfter { get; init; }

        private int _writes;

        public Task FirstWrite => _first.Task;

        public long Written => Interlocked.Read(ref _written);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (FailAfter is { } limit && Interlocked.Increment(ref _writes) > limit)
            {
                throw new IOException("No space left on device");
            }

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
