using System.Globalization;
using System.Text.Json.Nodes;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Retention.Properties;

/// <summary>
/// Property-based retention: generated schemas, rows, holds, time zones and policies (see
/// <see cref="RetentionModelGenerator"/>), run end to end, the database compared row by row with an oracle computed
/// from the model alone: no row inside the window, no held row and no row a held row needs is touched; every other
/// expired row is acted on; cascades and SET NULL do exactly what PostgreSQL's keys say; the dry run counts what the
/// first sweep does. Seeded: <c>DATAGUARD_RETENTION_SEED</c> (default 1313) and <c>DATAGUARD_RETENTION_CASES</c>
/// (default 200 in CI); a failure names the seed and case and prints the schema, rows, holds and policy. The cases are
/// run in <see cref="Slices"/> classes of consecutive cases (the slices below), so they run beside the other suites
/// instead of holding one test thread for minutes.
/// </summary>
public abstract class RetentionPropertyTests(ITestOutputHelper output)
{
    private const int Slices = 4;
    private const int CasesPerDatabase = 40;
    private static readonly string[] ServerZones = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati", "Europe/Paris", "Australia/Eucla"];
    private static readonly string[] SessionSettings =
    [
        "DateStyle = 'SQL, DMY'", "DateStyle = 'German'", "DateStyle = 'Postgres, MDY'", "extra_float_digits = 0", "extra_float_digits = -3",
        "standard_conforming_strings = off", "IntervalStyle = 'sql_standard'", "lc_monetary = 'C'",
    ];

    /// <summary>Which of the <see cref="Slices"/> consecutive parts of the cases this class runs.</summary>
    protected abstract int Slice { get; }

    [Fact]
    public async Task Generated_schemas_holds_and_time_zones_never_lose_a_row_the_oracle_keeps()
    {
        var seed = int.Parse(Environment.GetEnvironmentVariable("DATAGUARD_RETENTION_SEED") ?? "1313", CultureInfo.InvariantCulture);
        var cases = int.Parse(Environment.GetEnvironmentVariable("DATAGUARD_RETENTION_CASES") ?? "200", CultureInfo.InvariantCulture);
        var only = Environment.GetEnvironmentVariable("DATAGUARD_RETENTION_CASE") is { } one ? int.Parse(one, CultureInfo.InvariantCulture) : (int?)null;
        var (from, to) = (cases * Slice / Slices, cases * (Slice + 1) / Slices);
        if (only is { } single)
        {
            // One case replayed: by the slice that holds it, or by the first when it lies outside this run's cases (a
            // failure of a run with more DATAGUARD_RETENTION_CASES replayed without them).
            if (!(single >= from && single < to || (Slice == 0 && (single < 0 || single >= cases))))
            {
                output.WriteLine($"case {single} is replayed by another slice; this one runs nothing");
                return;
            }

            (from, to) = (single, single + 1);
        }

        var checkedRows = 0L;
        var shapes = new Dictionary<string, int>();
        TestDatabase? database = null;
        try
        {
            for (var i = from; i < to; i++)
            {
                if (database is null || i % CasesPerDatabase == 0)
                {
                    if (database is not null)
                    {
                        await DropAsync(database);
                    }

                    // The database of case i is that of the first case of its group of CasesPerDatabase, wherever a run starts.
                    database = await NewDatabaseAsync(new Random(seed + i - (i % CasesPerDatabase)));
                }

                var generator = new RetentionModelGenerator(seed * 10_000 + i);
                var now = new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
                var model = generator.Generate($"case{i}", now);
                try
                {
                    checkedRows += await RunCaseAsync(database, generator, model, now);
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException($"Retention property case {i} (DATAGUARD_RETENTION_SEED={seed} DATAGUARD_RETENTION_CASES={cases} DATAGUARD_RETENTION_CASE={i}) failed: {ex.Message}\n{model}", ex);
                }

                var shape = $"{model.Action}/{model.TimestampType}/{(model.Root.IsPartitioned ? "partitioned" : model.Tables.Any(t => t.InheritsFrom is not null) ? "inheritance" : "plain")}";
                shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
            }
        }
        finally
        {
            if (database is not null)
            {
                await DropAsync(database);
            }
        }

        output.WriteLine($"cases {from} to {to - 1} of {cases}, {checkedRows} rows checked; shapes: {string.Join(", ", shapes.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}"))}");
    }

    /// <summary>
    /// The case's connection string with pooling on (test databases turn it off so that they can be dropped): each case
    /// opens dozens of connections, and an unpooled one is a server process started and a SCRAM exchange (ten cases
    /// took 17.2 s unpooled, 12.7 s pooled). A pooled session is reset when it returns to the pool (reset on close forced on, multiplexing
    /// off, whatever DATAGUARD_TEST_POSTGRES says): RESET ALL returns it to the settings it started with, which are the
    /// database's and role's because <see cref="NewDatabaseAsync"/> sets them all before the first connection (settings
    /// changed later would need the pool cleared). The product's own pool is its case's and is disposed with it; this
    /// one is cleared before the database is dropped.
    /// </summary>
    private static string Pooled(TestDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = true, NoResetOnClose = false, Multiplexing = false }.ConnectionString;

    private static async Task DropAsync(TestDatabase database)
    {
        await using (var pooled = new NpgsqlConnection(Pooled(database)))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await database.DisposeAsync();
    }

    private static async Task<TestDatabase> NewDatabaseAsync(Random random)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync($"ALTER DATABASE \"{database.Name}\" SET timezone = '{ServerZones[random.Next(ServerZones.Length)]}'");
        if (random.Next(2) == 0)
        {
            var role = new NpgsqlConnectionStringBuilder(database.ConnectionString).Username;
            await database.ExecuteAsync($"ALTER ROLE \"{role}\" IN DATABASE \"{database.Name}\" SET timezone = '{ServerZones[random.Next(ServerZones.Length)]}'");
        }

        foreach (var setting in SessionSettings.Where(_ => random.Next(3) == 0))
        {
            // What the server, the database or a role may say, and retention must not depend on.
            await database.ExecuteAsync($"ALTER DATABASE \"{database.Name}\" SET {setting}");
        }

        await database.ExecuteAsync("CREATE EXTENSION citext");
        return database;
    }

    private async Task<long> RunCaseAsync(TestDatabase database, RetentionModelGenerator generator, RetentionModel model, DateTimeOffset now)
    {
        await database.ExecuteAsync(model.Ddl() + model.Inserts());
        await ReadLeavesAsync(database, model);
        generator.AddHolds(model);
        var root = Path.Combine(Path.GetTempPath(), "dataguard-property-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(model.Cutoff + model.MaxAge));
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = Pooled(database)).AddFileSystemStorage(root);
        services.Configure<RetentionOptions>(o =>
        {
            o.Schedule = null;
            o.BatchSize = model.BatchSize;
            var policy = new RetentionPolicyOptions
            {
                Name = model.Schema,
                Table = $"{model.Schema}.{model.RootName}",
                TimestampColumn = "ts",
                MaxAge = model.MaxAge,
                Action = model.Action,
                TimeZone = model.Zone,
                IncludeInheritedTables = model.IncludeInherited,
            };
            if (model.Action == RetentionAction.Anonymize)
            {
                policy.MarkerColumn = "marker";
                policy.Anonymize.Add(new AnonymizeRule { Column = "payload", Method = AnonymizeMethod.Fixed, Value = "anon" });
            }

            o.Policies.Add(policy);
        });
        await using var provider = services.BuildServiceProvider();
        var holds = provider.GetRequiredService<LegalHolds>();
        var placed = new List<long>();
        foreach (var hold in model.Holds)
        {
            placed.Add((await holds.PlaceAsync($"{model.Schema}.{hold.Table.Name}", hold.Column, hold.Text, "property")).Id);
        }

        var expected = model.Expect();
        var before = await SnapshotAsync(database, model);
        var runner = provider.GetRequiredService<RetentionRunner>();
        var dry = Assert.Single((await runner.RunAsync(dryRun: true))!.Results);
        Assert.Null(dry.Error);
        Assert.Equal(before, await SnapshotAsync(database, model));
        Assert.True(expected.FirstStep == dry.RowsAffected, $"the dry run counts {dry.RowsAffected} rows, the oracle's first sweep {expected.FirstStep}");

        var run = Assert.Single((await runner.RunAsync())!.Results);
        Assert.True(run.Error is null, $"the run failed: {run.Error}");
        Assert.True(expected.Acted == run.RowsAffected, $"the run acted on {run.RowsAffected} rows, the oracle on {expected.Acted}");
        var after = await SnapshotAsync(database, model);
        CompareWithOracle(model, expected, before, after);
        if (model.Action == RetentionAction.ArchiveThenDelete)
        {
            var (lines, _) = await RetentionTestKit.ReadArchivesAsync(provider.GetRequiredService<IBackupStorage>(), $"archive/{model.Schema}/");
            var archived = lines.Select(l => JsonNode.Parse(l)!["rid"]!.GetValue<long>()).Order().ToList();
            Assert.Equal(before.Keys.Where(r => model.Rows.First(m => m.Rid == r).Leaf.IsSelfOrDescendantOf(model.Root) && !after.ContainsKey(r)).Order().ToList(), archived);
        }

        foreach (var id in placed)
        {
            await holds.ReleaseAsync(id);
        }

        await database.ExecuteAsync($"DROP SCHEMA \"{model.Schema}\" CASCADE");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        return before.Count;
    }

    private static void CompareWithOracle(RetentionModel model, Expectation expected, Dictionary<long, string> before, Dictionary<long, string> after)
    {
        var unexpectedlyGone = expected.Surviving.Where(r => !after.ContainsKey(r)).ToList();
        Assert.True(unexpectedlyGone.Count == 0, $"rows deleted that the oracle keeps: {string.Join(", ", unexpectedlyGone)}");
        var unexpectedlyLeft = after.Keys.Where(r => !expected.Surviving.Contains(r)).ToList();
        Assert.True(unexpectedlyLeft.Count == 0, $"rows left that the oracle deletes: {string.Join(", ", unexpectedlyLeft)}");
        foreach (var (rid, json) in after)
        {
            var then = JsonNode.Parse(before[rid])!.AsObject();
            var now = JsonNode.Parse(json)!.AsObject();
            if (expected.Nulled.TryGetValue(rid, out var columns))
            {
                foreach (var column in columns)
                {
                    then[column] = null;
                }
            }

            if (expected.Anonymized.Contains(rid))
            {
                Assert.True(now["marker"] is not null, $"row {rid} was anonymized without its marker");
                then["payload"] = "anon";
                then["marker"] = now["marker"]!.DeepClone();
            }

            Assert.True(JsonNode.DeepEquals(then, now), $"row {rid} is {now.ToJsonString()}, the oracle expects {then.ToJsonString()}");
        }

        var dropped = model.Tables.Where(t => expected.DroppedPartitions.Contains(t.Name)).ToList();
        Assert.All(dropped, t => Assert.DoesNotContain(after.Keys, r => model.Rows.First(m => m.Rid == r).Leaf.IsSelfOrDescendantOf(t)));
    }

    /// <summary>Where PostgreSQL stored each row (partition routing, inheritance children).</summary>
    private static async Task ReadLeavesAsync(TestDatabase database, RetentionModel model)
    {
        var byRid = model.Rows.ToDictionary(r => r.Rid);
        await using var connection = new NpgsqlConnection(Pooled(database));
        await connection.OpenAsync();
        foreach (var table in model.Tables.Where(t => t.HasRows))
        {
            await using var command = new NpgsqlCommand($"SELECT t.rid FROM ONLY {model.Q(table.Name)} t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                byRid[reader.GetInt64(0)].Leaf = table;
            }
        }
    }

    /// <summary>Every row of every table of the case, by rid, as its JSON text (each row read from the table that holds it, with all its columns).</summary>
    private static async Task<Dictionary<long, string>> SnapshotAsync(TestDatabase database, RetentionModel model)
    {
        var rows = new Dictionary<long, string>();
        await using var connection = new NpgsqlConnection(Pooled(database));
        await connection.OpenAsync();
        await using (var utc = new NpgsqlCommand("SET TIME ZONE 'UTC'", connection))
        {
            await utc.ExecuteNonQueryAsync();
        }

        foreach (var table in model.Tables.Where(t => t.HasRows))
        {
            await using (var exists = new NpgsqlCommand($"SELECT to_regclass(@name) IS NOT NULL", connection))
            {
                exists.Parameters.AddWithValue("name", model.Q(table.Name));
                if (!(bool)(await exists.ExecuteScalarAsync())!)
                {
                    continue;   // a partition DropPartitions dropped
                }
            }

            await using var command = new NpgsqlCommand($"SELECT t.rid, row_to_json(t)::text FROM ONLY {model.Q(table.Name)} t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetInt64(0), reader.GetString(1));
            }
        }

        return rows;
    }
}

/// <summary>The first quarter of the retention property cases.</summary>
public sealed class RetentionPropertyTestsSlice1(ITestOutputHelper output) : RetentionPropertyTests(output)
{
    protected override int Slice => 0;
}

/// <summary>The second quarter of the retention property cases.</summary>
public sealed class RetentionPropertyTestsSlice2(ITestOutputHelper output) : RetentionPropertyTests(output)
{
    protected override int Slice => 1;
}

/// <summary>The third quarter of the retention property cases.</summary>
public sealed class RetentionPropertyTestsSlice3(ITestOutputHelper output) : RetentionPropertyTests(output)
{
    protected override int Slice => 2;
}

/// <summary>The last quarter of the retention property cases.</summary>
public sealed class RetentionPropertyTestsSlice4(ITestOutputHelper output) : RetentionPropertyTests(output)
{
    protected override int Slice => 3;
}
