using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Retention;

/// <summary>Anonymize and ArchiveThenDelete on 200,000 rows over three years, checked against independent SQL counts and the archive's own content.</summary>
public sealed class RetentionActionTests : IAsyncLifetime
{
    private const string HmacKey = "a-test-secret-of-enough-length";
    private const string Expired = "created_at < now() - interval '365 days'";
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        await _database.ExecuteAsync("""
            CREATE TABLE events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int NOT NULL, kind text NOT NULL,
                email text, ip text, country text NOT NULL, created_at timestamptz NOT NULL, anonymized_at timestamptz);
            INSERT INTO events (customer_id, kind, email, ip, country, created_at)
            SELECT g % 1000, CASE g % 3 WHEN 0 THEN 'view' WHEN 1 THEN 'click' ELSE 'purchase' END,
                   'user' || g || '@example.com', '10.0.' || (g % 250) || '.' || (g % 200), 'FR',
                   now() - (g % 1095) * interval '1 day' - interval '1 hour'
            FROM generate_series(1, 200000) g;
            """);
    }

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task Anonymize_overwrites_exactly_the_expired_matching_unheld_rows_once()
    {
        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.HmacKey = HmacKey;
            o.Policies.Add(new RetentionPolicyOptions
            {
                Name = "events-pii",
                Table = "public.events",
                TimestampColumn = "created_at",
                MaxAge = TimeSpan.FromDays(365),
                Action = RetentionAction.Anonymize,
                MarkerColumn = "anonymized_at",
                Conditions = { new RetentionCondition { Column = "kind", Operator = RetentionOperator.In, Values = { "view", "click" } } },
                Anonymize =
                {
                    new AnonymizeRule { Column = "email", Method = AnonymizeMethod.Hmac },
                    new AnonymizeRule { Column = "ip", Method = AnonymizeMethod.Null },
                    new AnonymizeRule { Column = "country", Method = AnonymizeMethod.Fixed, Value = "--" },
                },
            });
        });
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.events", "customer_id", "42", "case 7");
        var expected = await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM events WHERE {Expired} AND kind IN ('view', 'click') AND customer_id <> 42");
        var heldExpired = await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM events WHERE {Expired} AND kind IN ('view', 'click') AND customer_id = 42");
        var runner = services.GetRequiredService<RetentionRunner>();

        var dry = Assert.Single((await runner.RunAsync(dryRun: true))!.Results);
        Assert.Equal(expected, dry.RowsAffected);
        Assert.Equal(heldExpired, dry.RowsHeld);
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE anonymized_at IS NOT NULL"));

        var run = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(expected, run.RowsAffected);
        Assert.Equal(200000, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events"));
        Assert.Equal(expected, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE anonymized_at IS NOT NULL AND ip IS NULL AND country = '--' AND email NOT LIKE '%@%'"));
        Assert.Equal(0, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM events WHERE anonymized_at IS NOT NULL AND NOT ({Expired} AND kind IN ('view', 'click') AND customer_id <> 42)"));
        Assert.Equal(heldExpired, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM events WHERE {Expired} AND kind IN ('view', 'click') AND customer_id = 42 AND email LIKE '%@%' AND ip IS NOT NULL"));

        // The pseudonym is the HMAC-SHA256 of the original text, computed here independently.
        var id = (await ColumnAsync<long>(_database.ConnectionString, "SELECT id FROM events WHERE anonymized_at IS NOT NULL ORDER BY id LIMIT 1"))[0];
        var pseudonym = (await ColumnAsync<string>(_database.ConnectionString, $"SELECT email FROM events WHERE id = {id}"))[0];
        var hmac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacKey), Encoding.UTF8.GetBytes($"user{id}@example.com")));
        Assert.Equal(hmac, pseudonym);

        // Processed rows are marked: a second run touches nothing, so no value is hashed twice.
        var again = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Equal(0, again.RowsAffected);
        Assert.Equal(pseudonym, (await ColumnAsync<string>(_database.ConnectionString, $"SELECT email FROM events WHERE id = {id}"))[0]);
    }

    [Fact]
    public async Task Archive_then_delete_stores_exactly_the_deleted_rows_with_manifests()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await using var services = Build(_database.ConnectionString, b => b.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "retention")), o =>
        {
            o.BatchSize = 20000;
            o.Policies.Add(new RetentionPolicyOptions { Name = "events", Table = "public.events", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(730), Action = RetentionAction.ArchiveThenDelete });
        });
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.events", "customer_id", "7", "audit");
        var doomed = (await ColumnAsync<string>(_database.ConnectionString, "SELECT id || '|' || email || '|' || kind FROM events WHERE created_at < now() - interval '730 days' AND customer_id <> 7")).ToHashSet();

        var result = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(result.Error);
        Assert.Equal(doomed.Count, result.RowsAffected);
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE created_at < now() - interval '730 days' AND customer_id <> 7"));
        Assert.Equal(200000 - doomed.Count, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events"));

        var storage = services.GetRequiredService<IBackupStorage>();
        var (lines, manifests) = await ReadArchivesAsync(storage, "archive/events/");
        Assert.Equal(result.Archives.Count, manifests.Count);
        Assert.All(result.Archives, k => Assert.StartsWith($"archive/events/{DateTime.UtcNow:yyyy-MM-dd}/", k));
        var archived = lines.Select(l => JsonDocument.Parse(l).RootElement).Select(r => $"{r.GetProperty("id").GetInt64()}|{r.GetProperty("email").GetString()}|{r.GetProperty("kind").GetString()}").ToList();
        Assert.Equal(doomed.Count, archived.Count);
        Assert.True(doomed.SetEquals(archived));
        Assert.Equal(doomed.Count, manifests.Sum(m => JsonDocument.Parse(m).RootElement.GetProperty("rows").GetInt64()));
    }

    [Fact]
    public async Task Archive_then_delete_with_the_storage_down_deletes_nothing_and_carries_on_later()
    {
        await using var s3 = await PrivateS3rver.StartAsync();
        var server = await TestS3.GetServerAsync();
        var bucketName = "retention-" + Guid.NewGuid().ToString("N")[..8];
        await using var services = Build(_database.ConnectionString, b => b.AddS3Storage(o => server.Configure(o, bucketName, endpoint: s3.Endpoint)), o =>
            o.Policies.Add(new RetentionPolicyOptions { Name = "events", Table = "public.events", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(900), Action = RetentionAction.ArchiveThenDelete }));
        await s3.CreateBucketAsync(bucketName);
        var expired = await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events WHERE created_at < now() - interval '900 days'");
        s3.Kill();

        var failed = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.NotNull(failed.Error);
        Assert.Equal(0, failed.RowsAffected);
        Assert.Equal(200000, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM events"));
        Assert.Contains(failed.Error, await ColumnAsync<string>(_database.ConnectionString, "SELECT error FROM dataguard.retention_results"));

        await s3.RestartAsync();
        var done = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(done.Error);
        Assert.Equal(expired, done.RowsAffected);
        var (lines, _) = await ReadArchivesAsync(services.GetRequiredService<IBackupStorage>(), "archive/events/");
        Assert.Equal(expired, lines.Count);
    }
}
