using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Retention;

/// <summary>Retention across a schema's shape: monthly partitions, foreign keys (cascades, references, held children), structured conditions and code predicates, and the start-up catalog check.</summary>
public sealed class RetentionSchemaTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task Drop_partitions_drops_only_months_wholly_before_the_cutoff_and_keeps_held_ones()
    {
        // 24 monthly partitions back from the current month, plus a default partition.
        await _database.ExecuteAsync("""
            CREATE TABLE metrics (id bigint NOT NULL, device int NOT NULL, taken_at timestamptz NOT NULL, value double precision) PARTITION BY RANGE (taken_at);
            CREATE TABLE metrics_default PARTITION OF metrics DEFAULT;
            DO $$
            DECLARE m date;
            BEGIN
              FOR i IN 0..23 LOOP
                m := date_trunc('month', now() AT TIME ZONE 'UTC')::date - make_interval(months => i);
                EXECUTE format('CREATE TABLE %I PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)', 'metrics_' || to_char(m, 'YYYY_MM'), m::timestamptz, (m + interval '1 month')::timestamptz);
              END LOOP;
            END $$;
            INSERT INTO metrics SELECT g, g % 50, now() - (g % 700) * interval '1 day', g FROM generate_series(1, 100000) g;
            """);
        var root = Path.Combine(Path.GetTempPath(), "dataguard-partitions-" + Guid.NewGuid().ToString("N"));
        await using var services = Build(_database.ConnectionString, b => b.AddFileSystemStorage(root), o =>
            o.Policies.Add(new RetentionPolicyOptions { Name = "metrics", Table = "public.metrics", TimestampColumn = "taken_at", MaxAge = TimeSpan.FromDays(365), Action = RetentionAction.DropPartitions, ArchivePartitions = true }));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.metrics", "device", "7", "warranty claim");

        // Independently: partitions whose upper bound is at or before the cutoff; those holding device 7 stay.
        const string Cutoff = "now() - interval '365 days'";
        var expiredPartitions = await ColumnAsync<string>(_database.ConnectionString, $"""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'metrics'::regclass AND c.relname <> 'metrics_default'
              AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''(.*)''\)'))[1]::timestamptz <= {Cutoff} ORDER BY 1
            """);
        var heldPartitions = await ColumnAsync<string>(_database.ConnectionString, $"SELECT DISTINCT tableoid::regclass::text FROM metrics WHERE device = 7 AND taken_at < date_trunc('month', {Cutoff}) ORDER BY 1");
        var droppable = expiredPartitions.Except(heldPartitions).ToList();
        Assert.NotEmpty(droppable);
        Assert.NotEmpty(heldPartitions);
        var droppedRows = await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM metrics WHERE tableoid::regclass::text IN ({string.Join(", ", droppable.Select(p => $"'{p}'"))})");
        var before = await CountAsync(_database.ConnectionString, "SELECT count(*) FROM metrics");
        var inWindow = await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM metrics WHERE taken_at >= date_trunc('month', {Cutoff})");
        var runner = services.GetRequiredService<RetentionRunner>();

        var dry = Assert.Single((await runner.RunAsync(dryRun: true))!.Results);
        Assert.Equal(droppable.Select(p => "public." + p), dry.SampleKeys);
        Assert.Equal(before, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM metrics"));

        var run = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(droppable.Count, run.Batches);
        Assert.Equal(droppedRows, run.RowsAffected);
        Assert.Equal(heldPartitions.Count, run.Kept.Count);
        Assert.Equal(before - droppedRows, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM metrics"));
        Assert.Equal(0, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM pg_class WHERE relname IN ({string.Join(", ", droppable.Select(p => $"'{p}'"))})"));
        Assert.Equal(inWindow, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM metrics WHERE taken_at >= date_trunc('month', {Cutoff})"));

        var (lines, manifests) = await ReadArchivesAsync(services.GetRequiredService<IBackupStorage>(), "archive/metrics/");
        Assert.Equal(droppedRows, lines.Count);
        Assert.Equal(droppable.Count, manifests.Count);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Foreign_keys_cascades_are_reported_referenced_and_held_children_keep_their_parents()
    {
        await _database.ExecuteAsync("""
            CREATE TABLE orders (id int PRIMARY KEY, created_at timestamptz NOT NULL, status text NOT NULL);
            CREATE TABLE order_items (id serial PRIMARY KEY, order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, sku text NOT NULL);
            CREATE TABLE invoices (id serial PRIMARY KEY, order_id int REFERENCES orders);
            INSERT INTO orders SELECT g, now() - interval '3 years' + g * interval '1 minute', CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END FROM generate_series(1, 1000) g;
            INSERT INTO order_items (order_id, sku) SELECT g / 2 + 1, 'sku-' || g FROM generate_series(0, 1999) g;
            INSERT INTO invoices (order_id) SELECT g FROM generate_series(1, 50) g;
            """);
        await using var services = Build(_database.ConnectionString, null, o =>
            o.Policies.Add(new RetentionPolicyOptions
            {
                Name = "orders",
                Table = "public.orders",
                TimestampColumn = "created_at",
                MaxAge = TimeSpan.FromDays(365),
                Conditions = { new RetentionCondition { Column = "status", Operator = RetentionOperator.Equal, Value = "closed" } },
            }));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.order_items", "sku", "sku-501", "dispute");
        var runner = services.GetRequiredService<RetentionRunner>();

        // Closed orders: 900. Of them, 45 have an invoice (NO ACTION: kept), order 251 has a held item (kept).
        var dry = Assert.Single((await runner.RunAsync(dryRun: true))!.Results);
        Assert.Equal(900 - 45 - 1, dry.RowsAffected);
        Assert.Equal(1, dry.ParentsHeldByChildren);
        Assert.Equal(45, dry.RowsKeptByReferences);
        var cascade = Assert.Single(dry.Cascades);
        Assert.Equal(("public.order_items", "CASCADE", (900 - 45 - 1) * 2L), (cascade.Table, cascade.OnDelete, cascade.Rows));

        var run = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(854, run.RowsAffected);
        Assert.Equal(146, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM orders"));
        Assert.Equal(146 * 2, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM order_items"));
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM order_items WHERE sku = 'sku-501'"));
        Assert.Equal(100, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM orders WHERE status = 'open'"));
    }

    [Fact]
    public async Task A_code_predicate_narrows_the_rows_and_a_condition_value_is_never_sql()
    {
        await _database.ExecuteAsync("""
            CREATE TABLE sessions (id int PRIMARY KEY, created_at timestamptz NOT NULL, kind text NOT NULL, remember boolean NOT NULL);
            CREATE TABLE notes (id int);
            INSERT INTO sessions SELECT g, now() - interval '100 days', CASE WHEN g % 2 = 0 THEN 'web' ELSE 'api' END, g % 4 = 0 FROM generate_series(1, 1000) g;
            """);
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString).AddRetentionPredicate("not-remembered", "NOT t.remember");
        services.Configure<RetentionOptions>(o =>
        {
            o.Policies.Add(new RetentionPolicyOptions { Name = "web", Table = "public.sessions", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30), Predicate = "not-remembered", Conditions = { new RetentionCondition { Column = "kind", Value = "web" } } });
            o.Policies.Add(new RetentionPolicyOptions { Name = "sneaky", Table = "public.sessions", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30), Conditions = { new RetentionCondition { Column = "kind", Value = "x'; DROP TABLE notes; --" } } });
        });
        await using var provider = services.BuildServiceProvider();
        var run = (await provider.GetRequiredService<RetentionRunner>().RunAsync())!;
        Assert.Equal(250, run.Results[0].RowsAffected);
        Assert.Equal(0, run.Results[1].RowsAffected);
        Assert.Equal(750, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM sessions"));
        Assert.Equal(250, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM sessions WHERE kind = 'web'"));
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM notes"));
    }

    [Theory]
    [InlineData("public.missing", "created_at", null, "does not exist")]
    [InlineData("public.sessions", "kind", null, "not a date, timestamp or timestamptz")]
    [InlineData("public.sessions", "created_at", "no_such_column", "no column 'no_such_column'")]
    public async Task A_host_with_a_policy_the_catalog_rejects_does_not_start(string table, string column, string? conditionColumn, string message)
    {
        await _database.ExecuteAsync("CREATE TABLE sessions (id int PRIMARY KEY, created_at timestamptz NOT NULL, kind text NOT NULL)");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString).AddFileSystemStorage(Path.GetTempPath());
        var policy = new RetentionPolicyOptions { Name = "bad-one", Table = table, TimestampColumn = column, MaxAge = TimeSpan.FromDays(1), Action = RetentionAction.Delete };
        if (conditionColumn is not null)
        {
            policy.Conditions.Add(new RetentionCondition { Column = conditionColumn, Operator = RetentionOperator.IsNull });
        }

        builder.Services.Configure<RetentionOptions>(o => { o.Schedule = null; o.Policies.Add(policy); });
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<DataGuardException>(() => host.StartAsync());
        Assert.Contains("'bad-one'", ex.Message);
        Assert.Contains(message, ex.Message);
    }
}
