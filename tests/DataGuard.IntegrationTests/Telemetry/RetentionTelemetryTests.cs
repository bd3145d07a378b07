using System.Diagnostics;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.IntegrationTests.Retention;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>The spans and measurements of a real retention run: the run, its policy, and each batch.</summary>
public sealed class RetentionTelemetryTests : IAsyncLifetime
{
    private const string HeldValue = "held-alice-7781";
    private const string RefusalText = "refuse-bob-5521";
    private readonly string _notADirectory = Path.Combine(Path.GetTempPath(), $"dataguard-retention-file-{Guid.NewGuid():N}");
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();

        // 300 expired rows, one of them refused by a trigger (skipped, left for the next run), and one more under a legal hold.
        await _database.ExecuteAsync($"""
            CREATE TABLE events (id int PRIMARY KEY, customer text NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, 'cust-' || (g % 10), now() - interval '400 days' FROM generate_series(1, 300) g;
            INSERT INTO events VALUES (301, '{HeldValue}', now() - interval '400 days'), (302, 'cust-new', now());
            CREATE FUNCTION refuse_seven() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.id = 7 THEN RAISE EXCEPTION '{RefusalText}: row % is needed', OLD.id; END IF;
                RETURN OLD;
            END $$;
            CREATE TRIGGER refuse_seven BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION refuse_seven();
            CREATE TABLE old_notes (id int PRIMARY KEY, body text, created_at timestamptz NOT NULL);
            INSERT INTO old_notes SELECT g, 'note ' || g, now() - interval '400 days' FROM generate_series(1, 10) g;
            """);
        await File.WriteAllTextAsync(_notADirectory, "a file where the archive's folder should be");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        File.Delete(_notADirectory);
    }

    [Fact]
    public async Task A_run_of_one_policy_in_two_batches_is_traced_run_policy_batch_with_counts_and_a_failing_archive_is_an_error_without_personal_data()
    {
        await using var services = RetentionTestKit.Build(_database.ConnectionString, b => b.AddFileSystemStorage(Path.Combine(_notADirectory, "archive")), o =>
        {
            o.BatchSize = 200;
            o.Policies.Add(new RetentionPolicyOptions { Name = "events", Table = "public.events", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(365) });
            o.Policies.Add(new RetentionPolicyOptions { Name = "archived-notes", Table = "public.old_notes", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(365), Action = RetentionAction.ArchiveThenDelete });
        });
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.events", "customer", HeldValue, "litigation");
        using var capture = new TelemetryCapture(services.GetRequiredService<DataGuardMetrics>());
        var runner = services.GetRequiredService<RetentionRunner>();

        var result = Assert.Single((await runner.RunAsync(policy: "events"))!.Results);
        Assert.Equal((299L, 1L, 1L, 2), (result.RowsAffected, result.RowsSkipped, result.RowsHeld, result.Batches));

        var run = capture.Single("dataguard.retention.run");
        Assert.Equal(capture.Root.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, run.Status);
        Assert.Equal((false, 1), (run.GetTagItem("dataguard.dry_run"), run.GetTagItem("dataguard.retention.policies")));
        Assert.Equal(("postgresql", _database.Name), (run.GetTagItem("db.system.name"), run.GetTagItem("db.namespace")));
        var policy = Assert.Single(capture.ChildrenOf(run, "dataguard.retention.policy"));
        Assert.Equal(("events", "Delete", "public.events"), (policy.GetTagItem("dataguard.retention.policy"), policy.GetTagItem("dataguard.retention.action"), policy.GetTagItem("dataguard.retention.table")));
        Assert.Equal((299L, 1L, 1L, 2), (policy.GetTagItem("dataguard.retention.rows.affected"), policy.GetTagItem("dataguard.retention.rows.skipped"), policy.GetTagItem("dataguard.retention.rows.held"), policy.GetTagItem("dataguard.retention.batches")));

        // Every batch is a child of its policy, numbered in order; two acted on rows (199 + 100), the first left row 7.
        var batches = capture.ChildrenOf(policy, "dataguard.retention.batch").OrderBy(b => (int)b.GetTagItem("dataguard.retention.batch.number")!).ToList();
        Assert.Equal(Enumerable.Range(1, batches.Count), batches.Select(b => (int)b.GetTagItem("dataguard.retention.batch.number")!));
        Assert.All(batches, b => Assert.Equal(("events", "public.events", ActivityStatusCode.Unset), (b.GetTagItem("dataguard.retention.policy"), b.GetTagItem("dataguard.retention.table"), b.Status)));
        var working = batches.Where(b => (int)b.GetTagItem("dataguard.retention.rows.affected")! > 0).ToList();
        Assert.Equal([(200, 199, 1), (100, 100, 0)], working.Select(b => ((int)b.GetTagItem("dataguard.retention.rows.picked")!, (int)b.GetTagItem("dataguard.retention.rows.affected")!, (int)b.GetTagItem("dataguard.retention.rows.skipped")!)));

        Assert.Equal(299, Assert.Single(capture.Measured("dataguard.retention.rows")).Value);
        Assert.Equal(2, capture.Measured("dataguard.retention.batch.duration").Count);
        Assert.All(capture.Measured("dataguard.retention.batch.duration"), m => Assert.Equal(("s", "events"), (m.Unit, m.Tag("dataguard.retention.policy"))));
        Assert.Equal(1, Assert.Single(capture.Measured("dataguard.retention.rows.skipped")).Value);
        Assert.Equal("success", Assert.Single(capture.Measured("dataguard.retention.policy.runs")).Tag("dataguard.outcome"));

        // Forced failure: the archive cannot be written (its folder is a file). The policy fails, the run says so, and
        // the spans name the exception's type while withholding its message (rows were in flight).
        var failedResult = Assert.Single((await runner.RunAsync(policy: "archived-notes"))!.Results);
        Assert.NotNull(failedResult.Error);
        var failedRun = Assert.Single(capture.Named("dataguard.retention.run"), r => r.Status == ActivityStatusCode.Error);
        Assert.Equal("policy_failed", failedRun.GetTagItem("error.type"));
        var failedPolicy = Assert.Single(capture.ChildrenOf(failedRun, "dataguard.retention.policy"));
        Assert.Equal((ActivityStatusCode.Error, typeof(StorageException).FullName), (failedPolicy.Status, failedPolicy.GetTagItem("error.type")));
        var failedBatch = Assert.Single(capture.ChildrenOf(failedPolicy, "dataguard.retention.batch"));
        Assert.Equal(ActivityStatusCode.Error, failedBatch.Status);
        var failedWrite = Assert.Single(capture.ChildrenOf(failedBatch, "dataguard.storage.write"));
        Assert.Equal(ActivityStatusCode.Error, failedWrite.Status);
        Assert.All(
            new[] { failedPolicy, failedBatch, failedWrite }.SelectMany(s => s.Events).SelectMany(e => e.Tags).Where(t => t.Key == "exception.message"),
            t => Assert.Equal(DataGuardActivityExtensions.WithheldMessage, t.Value));
        Assert.Equal("failure", Assert.Single(capture.Measured("dataguard.retention.policy.runs"), m => (string?)m.Tag("dataguard.retention.policy") == "archived-notes").Tag("dataguard.outcome"));
        Assert.Equal(10, await RetentionTestKit.CountAsync(_database.ConnectionString, "SELECT count(*) FROM old_notes"));

        capture.AssertNothingContains(HeldValue, RefusalText, new NpgsqlConnectionStringBuilder(_database.ConnectionString).Password!, "Password=");
    }
}
