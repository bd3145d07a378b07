using System.Diagnostics;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Backup;
using DataGuard.Postgres.Drills;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>The spans and measurements of real backups, restores and drills (PostgreSQL and s3rver).</summary>
public sealed class BackupTelemetryTests
{
    [Fact]
    public async Task A_backup_and_a_restore_on_s3_are_traced_with_their_database_and_measured_and_a_failed_restore_is_an_error()
    {
        await using var harness = await BackupHarness.CreateAsync(s3: true);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 50);
        using var capture = new TelemetryCapture(harness.Services.GetRequiredService<DataGuardMetrics>());
        var password = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!;

        var manifest = await harness.Backups.RunAsync();
        var target = harness.NewDatabaseName();
        await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true });

        var run = capture.Single("dataguard.backup.run");
        Assert.Equal(capture.Root.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, run.Status);
        Assert.Equal(manifest.Id, run.GetTagItem("dataguard.backup.id"));
        Assert.Equal("logical", run.GetTagItem("dataguard.backup.kind"));
        Assert.Equal("postgresql", run.GetTagItem("db.system.name"));
        Assert.Equal(harness.Database.Name, run.GetTagItem("db.namespace"));
        var server = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString);
        Assert.Equal(server.Host, run.GetTagItem("server.address"));
        Assert.Equal(server.Port, run.GetTagItem("server.port"));
        Assert.Equal(manifest.StoredSize, run.GetTagItem("dataguard.backup.stored_size"));

        // Under the run: the archive's upload and the manifest's (manifest last), and the verification reading the archive back.
        var writes = capture.ChildrenOf(run, "dataguard.storage.write");
        Assert.Equal([manifest.DataKey, $"backups/{manifest.Id}/manifest.json"], writes.OrderBy(w => w.StartTimeUtc).Select(w => w.GetTagItem("dataguard.storage.key")));
        Assert.All(writes, w => Assert.Equal("S3", w.GetTagItem("dataguard.storage.provider")));
        Assert.Equal(manifest.StoredSize, writes.Single(w => (string?)w.GetTagItem("dataguard.storage.key") == manifest.DataKey).GetTagItem("dataguard.storage.size"));
        var verify = Assert.Single(capture.ChildrenOf(run, "dataguard.backup.verify"));
        Assert.Equal(true, verify.GetTagItem("dataguard.backup.verified"));
        Assert.Single(capture.ChildrenOf(verify, "dataguard.storage.read"));

        var restore = capture.Single("dataguard.backup.restore");
        Assert.Equal(capture.Root.SpanId, restore.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, restore.Status);
        Assert.Equal(manifest.Id, restore.GetTagItem("dataguard.backup.id"));
        Assert.Equal(target, restore.GetTagItem("db.namespace"));
        Assert.Equal(0, restore.GetTagItem("dataguard.restore.tables_mismatched"));
        Assert.True(capture.ChildrenOf(restore, "dataguard.storage.read").Count >= 2, "checksum read, then the restore's own read");

        Assert.Equal("success", Assert.Single(capture.Measured("dataguard.backup.runs")).Tag("dataguard.outcome"));
        Assert.Equal("By", Assert.Single(capture.Measured("dataguard.backup.size")).Unit);
        Assert.Equal("passed", Assert.Single(capture.Measured("dataguard.backup.verifications")).Tag("dataguard.outcome"));
        var restored = Assert.Single(capture.Measured("dataguard.restore.duration"));
        Assert.Equal(("logical", "success", "s"), (restored.Tag("dataguard.restore.kind"), restored.Tag("dataguard.outcome"), restored.Unit));

        // Forced failure: the stored archive is replaced; the restore stops at the checksum and its span says why (by type).
        await using (var garbage = new MemoryStream(new byte[4096]))
        {
            await harness.Storage.WriteAsync(manifest.DataKey, garbage);
        }

        await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true }));
        var failed = Assert.Single(capture.Named("dataguard.backup.restore"), r => r.Status == ActivityStatusCode.Error);
        Assert.Equal(typeof(ArchiveIntegrityException).FullName, failed.GetTagItem("error.type"));
        var exception = Assert.Single(failed.Events, e => e.Name == "exception");
        Assert.Equal(typeof(ArchiveIntegrityException).FullName, exception.Tags.First(t => t.Key == "exception.type").Value);
        Assert.Equal(DataGuardActivityExtensions.WithheldMessage, exception.Tags.First(t => t.Key == "exception.message").Value);
        Assert.Contains(capture.Measured("dataguard.restore.duration"), m => (string?)m.Tag("dataguard.outcome") == "failure");

        capture.AssertNothingContains(password, harness.Database.ConnectionString, "Password=");
    }

    [Fact]
    public async Task A_drill_is_one_span_over_its_restore_with_rto_and_rpo_measured_and_a_failed_check_marks_it_failed()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 40);
        var backup = await harness.Backups.RunAsync();
        var drills = harness.Services.GetRequiredService<DrillService>();
        using var capture = new TelemetryCapture(harness.Services.GetRequiredService<DataGuardMetrics>());

        var passed = await drills.RunAsync();
        Assert.True(passed.Passed, passed.Error);
        var drill = capture.Single("dataguard.drill.run");
        Assert.Equal(capture.Root.SpanId, drill.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, drill.Status);
        Assert.Equal(("logical", passed.Id, backup.Id, true), (drill.GetTagItem("dataguard.drill.kind"), drill.GetTagItem("dataguard.drill.id"), drill.GetTagItem("dataguard.backup.id"), drill.GetTagItem("dataguard.drill.passed")));
        Assert.Equal(passed.RtoSeconds, drill.GetTagItem("dataguard.drill.rto"));
        Assert.StartsWith("dataguard_drill_", (string)drill.GetTagItem("db.namespace")!, StringComparison.Ordinal);
        Assert.Single(capture.ChildrenOf(drill, "dataguard.backup.restore"));
        Assert.Contains(capture.ChildrenOf(drill, "dataguard.storage.write"), w => (string?)w.GetTagItem("dataguard.storage.key") == $"drills/{passed.Id}.json");
        Assert.Equal("passed", Assert.Single(capture.Measured("dataguard.drill.runs")).Tag("dataguard.outcome"));
        Assert.Equal(passed.RtoSeconds, Assert.Single(capture.Measured("dataguard.drill.rto")).Value);
        Assert.Equal(passed.RpoSeconds, Assert.Single(capture.Measured("dataguard.drill.rpo")).Value);

        // Forced failure: a check that does not hold.
        harness.Services.GetRequiredService<IOptions<DrillOptions>>().Value.Checks.Add(new DrillCheckOptions { Name = "impossible", Sql = "SELECT count(*) FROM public.users", Expected = "-1" });
        var failed = await drills.RunAsync();
        Assert.False(failed.Passed);
        var failedSpan = Assert.Single(capture.Named("dataguard.drill.run"), d => (string?)d.GetTagItem("dataguard.drill.id") == failed.Id);
        Assert.Equal(ActivityStatusCode.Error, failedSpan.Status);
        Assert.Equal("check_failed", failedSpan.GetTagItem("error.type"));
        Assert.Contains("impossible", failedSpan.StatusDescription, StringComparison.Ordinal);
        Assert.Contains(capture.Measured("dataguard.drill.runs"), m => (string?)m.Tag("dataguard.outcome") == "failed");

        capture.AssertNothingContains(new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!, "Password=");
    }
}
