using System.Diagnostics;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>The spans and measurements of real migrations: runs up and down, one span per step, a rehearsal.</summary>
public sealed class MigrationTelemetryTests : IAsyncLifetime
{
    private static readonly List<(string Name, string Text)> Files =
    [
        ("0001_create_a.up.sql", "CREATE TABLE a (i int);\n"), ("0001_create_a.down.sql", "DROP TABLE a;\n"),
        ("0002_create_b.up.sql", "CREATE TABLE b (i int);\n"), ("0002_create_b.down.sql", "DROP TABLE b;\n"),
        ("0003_create_c.up.sql", "CREATE TABLE c (i int);\n"), ("0003_create_c.down.sql", "DROP TABLE c;\n"),
    ];

    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        services.Configure<MigrationsOptions>(o => o.Application = "telemetry tests");
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Up_and_down_are_runs_with_a_span_per_step_a_rehearsal_is_traced_and_a_failing_step_is_an_error_with_its_sqlstate()
    {
        var migrator = _services.GetRequiredService<Migrator>();
        var set = MigrationDirectory.Parse(Files);
        using var capture = new TelemetryCapture(_services.GetRequiredService<DataGuardMetrics>());

        var up = await migrator.UpAsync(set, toVersion: 2);
        var run = capture.Single("dataguard.migration.run");
        Assert.Equal(capture.Root.SpanId, run.ParentSpanId);
        Assert.Equal(("up", up.DeployId, 2, ActivityStatusCode.Unset), (run.GetTagItem("dataguard.migration.direction"), run.GetTagItem("dataguard.migration.deploy_id"), run.GetTagItem("dataguard.migration.step_count"), run.Status));
        Assert.Equal(("postgresql", _database.Name), (run.GetTagItem("db.system.name"), run.GetTagItem("db.namespace")));
        var steps = capture.ChildrenOf(run, "dataguard.migration.step");
        Assert.Equal([(1L, "up", "succeeded"), (2L, "up", "succeeded")], steps.Select(s => ((long)s.GetTagItem("dataguard.migration.version")!, s.GetTagItem("dataguard.migration.direction"), s.GetTagItem("dataguard.migration.outcome"))));
        Assert.Equal("create_a", steps[0].GetTagItem("dataguard.migration.title"));

        // A rehearsal of the pending migration: up, down and up again on a scratch copy, under one span.
        var rehearsals = await _services.GetRequiredService<MigrationRehearser>().RehearseAsync(set);
        Assert.Equal(3, Assert.Single(rehearsals).Version);
        var rehearse = capture.Single("dataguard.migration.rehearse");
        Assert.StartsWith("dataguard_rehearse_", (string)rehearse.GetTagItem("db.namespace")!, StringComparison.Ordinal);
        var scratchRuns = capture.ChildrenOf(rehearse, "dataguard.migration.run");
        Assert.Equal(["up", "down", "up"], scratchRuns.OrderBy(r => r.StartTimeUtc).Select(r => r.GetTagItem("dataguard.migration.direction")));
        Assert.All(scratchRuns, r => Assert.Single(capture.ChildrenOf(r, "dataguard.migration.step")));

        await migrator.UpAsync(set);
        await migrator.DownAsync(set, new DownRequest { Steps = 1 });
        var down = Assert.Single(capture.Named("dataguard.migration.run"), r => r.ParentSpanId == capture.Root.SpanId && (string?)r.GetTagItem("dataguard.migration.direction") == "down");
        var downStep = Assert.Single(capture.ChildrenOf(down, "dataguard.migration.step"));
        Assert.Equal((3L, "down", "succeeded"), ((long)downStep.GetTagItem("dataguard.migration.version")!, downStep.GetTagItem("dataguard.migration.direction"), downStep.GetTagItem("dataguard.migration.outcome")));

        // Forced failure: a step that divides by zero.
        var broken = MigrationDirectory.Parse([.. Files, ("0004_broken.up.sql", "SELECT 1/0;\n"), ("0004_broken.down.sql", "SELECT 1;\n")]);
        await Assert.ThrowsAsync<MigrationFailedException>(() => migrator.UpAsync(broken));
        var failedStep = Assert.Single(capture.Named("dataguard.migration.step"), s => s.Status == ActivityStatusCode.Error);
        Assert.Equal((4L, "failed", typeof(MigrationFailedException).FullName, "22012"), ((long)failedStep.GetTagItem("dataguard.migration.version")!, failedStep.GetTagItem("dataguard.migration.outcome"), failedStep.GetTagItem("error.type"), failedStep.GetTagItem("db.response.status_code")));
        Assert.Equal(DataGuardActivityExtensions.WithheldMessage, (string)Assert.Single(failedStep.Events).Tags.First(t => t.Key == "exception.message").Value!);
        var failedRun = capture.Spans.Single(s => s.SpanId == failedStep.ParentSpanId);
        Assert.Equal((ActivityStatusCode.Error, "dataguard.migration.run"), (failedRun.Status, failedRun.OperationName));

        var measured = capture.Measured("dataguard.migration.steps").Select(m => ((string)m.Tag("dataguard.migration.direction")!, (string)m.Tag("dataguard.outcome")!)).ToList();
        Assert.Equal(2 + 2 + 1 + 1, measured.Count(m => m == ("up", "succeeded")));   // two, the rehearsal's two ups, the third, the third again before the broken one
        Assert.Equal(2, measured.Count(m => m == ("down", "succeeded")));              // the rehearsal's, then ours
        Assert.Equal(1, measured.Count(m => m == ("up", "failed")));
        Assert.All(capture.Measured("dataguard.migration.duration"), m => Assert.Equal("s", m.Unit));

        capture.AssertNothingContains(new NpgsqlConnectionStringBuilder(_database.ConnectionString).Password!, "Password=");
    }

    [Fact]
    public async Task A_data_migration_that_fails_on_a_row_value_puts_no_row_value_in_any_span()
    {
        // A migration that converts a column's values: PostgreSQL quotes the value it could not convert in the error
        // ("invalid input syntax for type integer: \"alice@example.com\""). Migrations read and write rows like
        // retention and restores do, so their spans must withhold such messages.
        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE people (phone text); INSERT INTO people VALUES ('4917112345'), ('alice@example.com');", connection);
            await command.ExecuteNonQueryAsync();
        }

        var set = MigrationDirectory.Parse(
        [
            ("0001_phone_as_number.up.sql", "ALTER TABLE people ALTER COLUMN phone TYPE bigint USING phone::bigint;\n"),
            ("0001_phone_as_number.down.sql", "ALTER TABLE people ALTER COLUMN phone TYPE text;\n"),
        ]);
        using var capture = new TelemetryCapture(_services.GetRequiredService<DataGuardMetrics>());

        var error = await Assert.ThrowsAsync<MigrationFailedException>(() => _services.GetRequiredService<Migrator>().UpAsync(set));
        Assert.Contains("alice@example.com", error.Message, StringComparison.Ordinal);   // the operator's own error says it

        var failedStep = Assert.Single(capture.Named("dataguard.migration.step"));
        Assert.Equal((ActivityStatusCode.Error, "22P02"), (failedStep.Status, failedStep.GetTagItem("db.response.status_code")));
        capture.AssertNothingContains("alice@example.com");
    }
}
