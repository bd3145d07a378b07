using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Export;

/// <summary>`dataguard export table --format csv` passes PostgreSQL's COPY bytes through: byte for byte what psql's \copy writes.</summary>
public sealed class CsvPassThroughTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dataguard-csv-{Guid.NewGuid():N}");

    public CsvPassThroughTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_csv_of_a_table_is_byte_identical_to_psql_copy_csv_header()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();

        // Many rows (the output is written in 256 KiB pieces), and every awkward thing CSV has: quotes, separators,
        // line breaks, NULL against empty, multi-byte characters split across any boundary, a 1 MB value.
        await database.ExecuteAsync("""
            CREATE TABLE awkward (id int, t text, n numeric, j jsonb, b bool);
            INSERT INTO awkward SELECT g,
                CASE g % 7 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'say "hi", then' || chr(10) || 'leave' WHEN 3 THEN 'Zoë 日本語 🙂 ' || g
                           WHEN 4 THEN E'back\\slash\ttab\rcr' ELSE md5(g::text) END,
                CASE WHEN g % 3 = 0 THEN NULL ELSE g / 7.0 END, jsonb_build_object('k', g, 's', 'a,"b"'), g % 2 = 0
              FROM generate_series(1, 30000) g;
            INSERT INTO awkward VALUES (0, repeat('é', 500000), NULL, NULL, NULL);
            """);
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var server = await TestPostgres.GetServerAsync();
        var psql = server.BinDirectory is { Length: > 0 } bin ? Path.Combine(bin, "psql") : "psql";
        var expected = Path.Combine(_folder, "psql.csv");
        var (psqlCode, _, psqlError) = await ProcessRunner.RunAsync(
            psql,
            ["-X", "-q", "-c", $"\\copy (select * from public.awkward) to '{expected}' csv header"],
            new Dictionary<string, string>
            {
                ["PGHOST"] = builder.Host!, ["PGPORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PGUSER"] = builder.Username!, ["PGPASSWORD"] = builder.Password ?? string.Empty, ["PGDATABASE"] = builder.Database!,
                ["PGTZ"] = "UTC", ["PGCLIENTENCODING"] = "UTF8",
            });
        Assert.True(psqlCode == 0, psqlError);

        var actual = Path.Combine(_folder, "dataguard.csv");
        var (code, output, error) = await CliProcess.RunAsync(
            ["export", "table", "public.awkward", "--out", actual, "--all-columns"],
            new Dictionary<string, string> { ["DataGuard__Postgres__ConnectionString"] = database.ConnectionString });
        Assert.True(code == 0, output + error);

        var want = await File.ReadAllBytesAsync(expected);
        var got = await File.ReadAllBytesAsync(actual);
        Assert.True(want.Length > 2_000_000, $"psql wrote only {want.Length} bytes");
        Assert.Equal(want.Length, got.Length);
        Assert.True(want.AsSpan().SequenceEqual(got), "the exported CSV differs from psql's");
    }
}
