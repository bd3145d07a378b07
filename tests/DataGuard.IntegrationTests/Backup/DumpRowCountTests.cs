using System.Diagnostics;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.IntegrationTests.Telemetry;
using DataGuard.Postgres;
using DataGuard.Postgres.Backup;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>Row counts taken from the dump's own COPY data as it streams (no second scan) equal count(*) in the snapshot.</summary>
public sealed class DumpRowCountTests
{
    private const string TrickySchema = """"
        CREATE TABLE plain (id int, body text);
        INSERT INTO plain SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
        CREATE TABLE empty_one (id int);
        CREATE TABLE no_columns ();
        INSERT INTO no_columns SELECT FROM generate_series(1, 7);
        CREATE TABLE awkward (v text, b bytea);
        INSERT INTO awkward VALUES (E'\\.', NULL), ('.', ''), (E'line\nbreak', '\x00ff'), (E'tab\there', NULL), (E'\\', NULL),
                                   (E'cr\rlf', NULL), ('', NULL), (NULL, NULL), (E'\\.\n\\.', NULL), ('Zoë ünï 日本', NULL);
        CREATE SCHEMA "odd schema";
        CREATE TABLE "odd schema"."a.b ""c""" (x int);
        INSERT INTO "odd schema"."a.b ""c""" SELECT generate_series(1, 3);
        CREATE UNLOGGED TABLE scratch (x int);
        INSERT INTO scratch SELECT generate_series(1, 11);
        CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
        CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
        CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
        INSERT INTO parted SELECT g, DATE '2026-01-01' + (g % 50) FROM generate_series(1, 999) g;
        CREATE TABLE wide (doc text);
        INSERT INTO wide SELECT repeat(md5(g::text), 4000) FROM generate_series(1, 40) g;
        SELECT lo_from_bytea(0, 'a large object'), lo_from_bytea(0, decode(repeat('00', 100000), 'hex'));
        CREATE MATERIALIZED VIEW summary AS SELECT count(*) AS n FROM plain;
        """";

    [Fact]
    public async Task Counts_read_from_the_dump_stream_equal_count_star_however_the_stream_is_cut()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync(TrickySchema);
        var archive = await DumpAsync(database.ConnectionString, "--format=custom", "--compress=0");
        var expected = await CountStarAsync(database.ConnectionString);
        Assert.Equal(9, expected.Count);

        var random = new Random(20);
        foreach (var cut in new Func<int>[] { () => archive.Length, () => 1, () => random.Next(1, 70_000), () => 65_536 })
        {
            var counter = new PgDumpRowCounter();
            for (var offset = 0; offset < archive.Length;)
            {
                var length = Math.Min(cut(), archive.Length - offset);
                counter.Feed(archive.AsSpan(offset, length));
                offset += length;
            }

            Assert.Null(counter.FailureReason);
            Assert.True(counter.IsAtBlockBoundary);
            foreach (var (table, rows) in expected)
            {
                Assert.True(counter.Counts.TryGetValue(table, out var counted), $"{table} was not counted; counted: {string.Join(", ", counter.Counts.Keys)}");
                Assert.Equal((table, rows), (table, counted));
            }
        }
    }

    [Fact]
    public async Task A_compressed_or_foreign_archive_stops_the_counter_instead_of_guessing()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100);");
        var compressed = await DumpAsync(database.ConnectionString, "--format=custom", "--compress=1");
        var counter = new PgDumpRowCounter();
        counter.Feed(compressed);
        Assert.Contains("compressed", counter.FailureReason);
        Assert.Empty(counter.Counts);

        var plain = new PgDumpRowCounter();
        plain.Feed("--\n-- PostgreSQL database dump\n"u8);
        Assert.NotNull(plain.FailureReason);

        var truncated = new PgDumpRowCounter();
        var whole = await DumpAsync(database.ConnectionString, "--format=custom", "--compress=0");
        truncated.Feed(whole.AsSpan(0, whole.Length - 7));
        Assert.False(truncated.IsAtBlockBoundary);
    }

    [Fact]
    public async Task A_backup_takes_its_row_counts_from_the_dump_and_they_equal_count_star()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await harness.Database.ExecuteAsync(TrickySchema);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        var expected = await CountStarAsync(harness.Database.ConnectionString);
        using var telemetry = new TelemetryCapture();

        var manifest = await harness.Backups.RunAsync();

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), manifest.TableRowCounts.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal("dump", telemetry.Single("dataguard.backup.run").GetTagItem("dataguard.backup.row_counts"));
        var target = harness.NewDatabaseName();
        var result = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true });
        Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches)));
    }

    /// <summary>count(*) of every table SnapshotTables lists (what the manifest covers), by schema.table.</summary>
    private static async Task<Dictionary<string, long>> CountStarAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var tables = await SnapshotTables.ListAsync(connection, transaction, new PgDumpOptions(), CancellationToken.None);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await SnapshotTables.CountAsync(connection, transaction, tables, counts, CancellationToken.None);
        return counts;
    }

    private static async Task<byte[]> DumpAsync(string connectionString, params string[] arguments)
    {
        var server = await TestPostgres.GetServerAsync();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var file = Path.Combine(Path.GetTempPath(), $"dataguard-dump-{Guid.NewGuid():N}");
        try
        {
            var pgDump = server.BinDirectory is { Length: > 0 } bin ? Path.Combine(bin, "pg_dump") : "pg_dump";
            var (code, _, error) = await ProcessRunner.RunAsync(
                pgDump,
                [.. arguments, "--no-sync", "-f", file],
                new Dictionary<string, string>
                {
                    ["PGHOST"] = builder.Host!, ["PGPORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["PGUSER"] = builder.Username!, ["PGPASSWORD"] = builder.Password ?? string.Empty, ["PGDATABASE"] = builder.Database!,
                });
            Assert.True(code == 0, error);
            return await File.ReadAllBytesAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
