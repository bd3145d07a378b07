using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Retention;

/// <summary>
/// Batches resume after the last row of the previous one (by ctid). That is only right when each batch takes the first
/// rows in ctid order: with an index on the timestamp column and SSD-style costs (random_page_cost = 1.1), PostgreSQL
/// reads the expired rows through that index, in timestamp order, and the largest ctid of a batch lies far beyond rows
/// the batch did not take.
/// </summary>
public sealed class RetentionScanOrderTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task A_run_acts_on_every_expired_row_when_the_planner_reads_them_through_a_timestamp_index()
    {
        // 40 000 rows, every 20th expired, their timestamps in an order unrelated to where they are stored.
        await _database.ExecuteAsync($"""
            ALTER DATABASE {_database.Name} SET random_page_cost = 1.1;
            CREATE TABLE events (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, payload text NOT NULL);
            INSERT INTO events (created_at, payload)
            SELECT CASE WHEN g % 20 = 0 THEN now() - interval '400 days' - ((g * 7919) % 100000) * interval '1 minute'
                        ELSE now() - ((g * 7919) % 1000) * interval '1 minute' END,
                   repeat('x', 50)
            FROM generate_series(1, 40000) g;
            CREATE INDEX events_created_at ON events (created_at);
            ANALYZE events;
            """);
        Assert.Equal(2000, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE created_at < now() - interval '90 days'"));

        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.BatchSize = 100;
            o.Policies.Add(new RetentionPolicyOptions { Name = "events", Table = "public.events", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(90) });
        });
        var result = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);

        Assert.Null(result.Error);
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE created_at < now() - interval '90 days'"));
        Assert.Equal(2000, result.RowsAffected);
        Assert.Equal(38000, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events"));
    }
}
