using System.Diagnostics;
using DataGuard.Export;
using DataGuard.IntegrationTests.Export;
using DataGuard.Postgres.Export;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>The spans and measurements of real export jobs and a table export; a subject's key never appears in them.</summary>
public sealed class ExportTelemetryTests
{
    private const string Customer = "cust-7Q4Z-ada-lovelace";
    private const string Vanishing = "cust-9X1Y-grace-hopper";

    [Fact]
    public async Task A_job_is_traced_claim_subject_and_a_build_per_format_by_its_job_id_and_a_failed_job_withholds_the_key()
    {
        await using var harness = await ExportHarness.CreateAsync(s3: true, o =>
        {
            o.Subject.Table = "public.customers";
            o.Subject.Key = "ref";
            o.Links.Clear();
        });
        await harness.Database.ExecuteAsync($"""
            CREATE TABLE customers (ref text PRIMARY KEY, name text NOT NULL);
            CREATE TABLE invoices (id int PRIMARY KEY, customer_ref text NOT NULL REFERENCES customers, amount numeric(10, 2) NOT NULL);
            INSERT INTO customers VALUES ('{Customer}', 'Ada'), ('{Vanishing}', 'Grace');
            INSERT INTO invoices VALUES (1, '{Customer}', 10.00), (2, '{Customer}', 20.00), (3, '{Vanishing}', 5.00);
            """);
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();
        using var capture = new TelemetryCapture(harness.Services.GetRequiredService<DataGuardMetrics>());

        var job = await jobs.RequestExportAsync(Customer, ["json", "csv"]);
        Assert.Equal(1, await runner.RunPendingAsync());
        Assert.Equal(0, await runner.RunPendingAsync());   // nothing waiting: no span

        var span = capture.Single("dataguard.export.job");
        Assert.Equal(capture.Root.SpanId, span.ParentSpanId);
        Assert.Equal((job.Id.ToString(), 1, "ready", ActivityStatusCode.Unset), (span.GetTagItem("dataguard.export.job.id"), span.GetTagItem("dataguard.export.job.attempt"), span.GetTagItem("dataguard.export.job.outcome"), span.Status));
        Assert.Equal(["json", "csv"], (string[])span.GetTagItem("dataguard.export.formats")!);
        var claim = Assert.Single(capture.ChildrenOf(span, "dataguard.export.claim"));
        Assert.Equal((job.Id.ToString(), "postgresql", harness.Database.Name), (claim.GetTagItem("dataguard.export.job.id"), claim.GetTagItem("db.system.name"), claim.GetTagItem("db.namespace")));
        Assert.Equal(span.StartTimeUtc, claim.StartTimeUtc);   // the job's span starts where its claim did
        Assert.True(claim.StartTimeUtc + claim.Duration <= capture.ChildrenOf(span).Where(c => c != claim).Min(c => c.StartTimeUtc), "the claim ends before the job's work starts");
        var subject = Assert.Single(capture.ChildrenOf(span, "dataguard.export.subject"));
        Assert.Equal((2, 3L, harness.Database.Name), (subject.GetTagItem("dataguard.export.tables"), subject.GetTagItem("dataguard.export.rows"), subject.GetTagItem("db.namespace")));
        var builds = capture.ChildrenOf(span, "dataguard.export.build");
        Assert.Equal(["json", "csv"], builds.Select(b => b.GetTagItem("dataguard.export.format")));
        foreach (var build in builds)
        {
            Assert.Single(capture.ChildrenOf(build, "dataguard.export.write"));
            var write = Assert.Single(capture.ChildrenOf(build, "dataguard.storage.write"));
            Assert.StartsWith($"exports/{job.Id}/1/", (string)write.GetTagItem("dataguard.storage.key")!, StringComparison.Ordinal);
            Assert.Equal(build.GetTagItem("dataguard.export.artifact.size"), write.GetTagItem("dataguard.storage.size"));
        }

        Assert.Equal("ready", Assert.Single(capture.Measured("dataguard.export.jobs")).Tag("dataguard.outcome"));
        var readyIn = Assert.Single(capture.Measured("dataguard.export.request_to_ready"));
        Assert.Equal("s", readyIn.Unit);
        Assert.InRange(readyIn.Value, 0, 120);
        Assert.Equal(["json", "csv"], capture.Measured("dataguard.export.artifact.size").Select(m => m.Tag("dataguard.export.format")));

        // Forced failure: the subject vanishes before its job runs. The job fails; its span names the exception's type only.
        var doomed = await jobs.RequestExportAsync(Vanishing, ["json"]);
        await harness.Database.ExecuteAsync($"DELETE FROM invoices WHERE customer_ref = '{Vanishing}'; DELETE FROM customers WHERE ref = '{Vanishing}'");
        await runner.RunPendingAsync();
        Assert.Contains(Vanishing, (await jobs.GetExportAsync(doomed.Id))!.Error, StringComparison.Ordinal);   // the job's record says which subject
        var failed = Assert.Single(capture.Named("dataguard.export.job"), j => (string?)j.GetTagItem("dataguard.export.job.id") == doomed.Id.ToString());
        Assert.Equal((ActivityStatusCode.Error, "failed", typeof(SubjectNotFoundException).FullName), (failed.Status, failed.GetTagItem("dataguard.export.job.outcome"), failed.GetTagItem("error.type")));
        Assert.Equal(DataGuardActivityExtensions.WithheldMessage, Assert.Single(failed.Events).Tags.First(t => t.Key == "exception.message").Value);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(capture.ChildrenOf(failed, "dataguard.export.subject")).Status);
        Assert.Contains(capture.Measured("dataguard.export.jobs"), m => (string?)m.Tag("dataguard.outcome") == "failed");

        // A table export: one span, with its table and format.
        await using (var output = new MemoryStream())
        {
            await harness.Services.GetRequiredService<TableExports>().ExportAsync("public.invoices", "csv", output);
        }

        var table = capture.Single("dataguard.export.table");
        Assert.Equal(("public.invoices", "csv", harness.Database.Name, ActivityStatusCode.Unset), (table.GetTagItem("dataguard.export.table"), table.GetTagItem("dataguard.export.format"), table.GetTagItem("db.namespace"), table.Status));

        capture.AssertNothingContains(Customer, Vanishing, "lovelace", "hopper", new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!, "Password=");
    }
}
