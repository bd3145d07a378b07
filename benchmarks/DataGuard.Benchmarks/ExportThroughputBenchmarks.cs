using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using DataGuard.DependencyInjection;
using DataGuard.Export;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Benchmarks;

/// <summary>
/// Table export throughput on 100,000 and 1,000,000 rows of mixed types (int, bigint, numeric, text with quotes,
/// newlines and non-Latin text, timestamptz, bool, jsonb, many nulls), against the baseline of reading
/// <c>COPY ... TO STDOUT (FORMAT csv)</c> through Npgsql and discarding it, in the same run. Outputs go to a
/// discarding stream. Run by scripts/bench-db.sh export.
/// </summary>
[MemoryDiagnoser]
public class ExportThroughputBenchmarks
{
    private ServiceProvider _services = null!;
    private string _connectionString = null!;

    /// <summary>Gets or sets the rows in the table.</summary>
    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    private string Table => $"public.mixed_{Rows}";

    [GlobalSetup]
    public void Setup()
    {
        var admin = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES") ?? throw new InvalidOperationException("DATAGUARD_TEST_POSTGRES is not set: run scripts/bench-db.sh export.");
        _connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = "bench_export" }.ConnectionString;
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = 'bench_export'", connection);
            if ((long)exists.ExecuteScalar()! == 0)
            {
                using var create = new NpgsqlCommand("CREATE DATABASE bench_export", connection);
                create.ExecuteNonQuery();
            }
        }

        using (var connection = new NpgsqlConnection(_connectionString))
        {
            connection.Open();
            using var seed = new NpgsqlCommand(
                $"""
                CREATE TABLE IF NOT EXISTS mixed_{Rows} (id int PRIMARY KEY, big bigint, amount numeric(12, 2), label text, note text, at timestamptz, flag boolean, data jsonb, password_hash text);
                INSERT INTO mixed_{Rows}
                SELECT g, g * 1000003::bigint, CASE WHEN g % 3 = 0 THEN NULL ELSE (g % 100000) / 100.0 END,
                       'item "' || g || '", size ' || (g % 40),
                       CASE WHEN g % 2 = 0 THEN NULL WHEN g % 5 = 1 THEN 'line one' || chr(10) || 'ligne deux — é' ELSE 'Grüße 日本語 ' || g END,
                       '2020-01-01T00:00:00Z'::timestamptz + g * interval '1 minute', g % 2 = 0,
                       CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('k', g, 'tags', jsonb_build_array('a', 'b')) END,
                       md5(g::text)
                FROM generate_series(1, {Rows}) g
                WHERE NOT EXISTS (SELECT 1 FROM mixed_{Rows});
                ANALYZE mixed_{Rows};
                """,
                connection) { CommandTimeout = 0 };
            seed.ExecuteNonQuery();
        }

        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _connectionString);
        services.Configure<PdfExportOptions>(o => o.MaxRowsPerTable = 1_000_000);
        _services = services.BuildServiceProvider();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>The baseline: PostgreSQL's own CSV through Npgsql, discarded.</summary>
    [Benchmark(Baseline = true)]
    public async Task<long> CopyCsvDiscarded()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        using var reader = await connection.BeginTextExportAsync($"COPY {Table} TO STDOUT (FORMAT csv)");
        var buffer = new char[32 * 1024];
        long total = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>CSV of every column: COPY passed through.</summary>
    [Benchmark]
    public Task Csv() => Export("csv", redact: false);

    /// <summary>CSV with a redacted column: through CsvHelper.</summary>
    [Benchmark]
    public Task CsvRedacted() => Export("csv", redact: true);

    /// <summary>JSON.</summary>
    [Benchmark]
    public Task Json() => Export("json", redact: false);

    /// <summary>NDJSON.</summary>
    [Benchmark]
    public Task Ndjson() => Export("ndjson", redact: false);

    /// <summary>PDF (every row, as key/value blocks: the table has nine columns).</summary>
    [Benchmark]
    public async Task Pdf()
    {
        if (Rows > 100_000)
        {
            return;
        }

        var exporter = _services.GetServices<IExporter>().Single(e => e.Format == "pdf");
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var columns = new[] { "id", "big", "amount", "label", "note", "at", "flag", "data" }.Select(c => new ExportColumn(c, "text")).ToList();
        var document = new ExportDocument("bench", null, DateTimeOffset.UtcNow, [new ExportTableSummary(Table, Rows, null)], One(new ExportTable(Table, columns, RowsAsync(connection))));
        await exporter.WriteAsync(document, Stream.Null);
    }

    private async Task Export(string format, bool redact) =>
        await _services.GetRequiredService<TableExports>().ExportAsync(Table, format, Stream.Null, redact);

    private static async IAsyncEnumerable<ExportTable> One(ExportTable table)
    {
        yield return table;
        await Task.CompletedTask;
    }

    private async IAsyncEnumerable<object?[]> RowsAsync(NpgsqlConnection connection, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand($"SELECT id, big, amount, label, note, at, flag, data::text FROM {Table}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var row = new object?[8];
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            yield return row;
        }
    }
}
