using System.Diagnostics;
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.IntegrationTests.Pitr;
using DataGuard.Pitr;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Telemetry;

/// <summary>The spans and measurements of WAL pushes, fetches and a spool pass, with real segments on s3rver.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalTelemetryTests(ArchivingCluster cluster) : IClassFixture<ArchivingCluster>, IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"dataguard-waltelemetry-{Guid.NewGuid():N}");
    private TestBucket _bucket = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _bucket = await TestS3.CreateBucketAsync();
        var services = new ServiceCollection();
        services.AddDataGuard().AddS3Storage(o => _bucket.Server.Configure(o, _bucket.Name, "pitr"));
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _bucket.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Pushes_fetches_and_a_spool_pass_are_traced_and_measured_by_outcome_and_a_corrupt_file_is_an_error()
    {
        var archive = _services.GetRequiredService<WalArchive>();
        using var capture = new TelemetryCapture(_services.GetRequiredService<DataGuardMetrics>());
        var first = cluster.Segments[0];
        var name = Path.GetFileName(first);

        var pushed = await archive.PushAsync(first);
        await archive.PushAsync(first);
        await archive.FetchAsync(name, Path.Combine(_work, name));
        var missing = "0000000100000099000000FF";
        await Assert.ThrowsAsync<WalSegmentNotFoundException>(() => archive.FetchAsync(missing, Path.Combine(_work, missing)));

        var pushes = capture.Named("dataguard.wal.push");
        Assert.Equal(["archived", "already_archived"], pushes.Select(p => p.GetTagItem("dataguard.wal.outcome")));
        Assert.All(pushes, p => Assert.Equal((capture.Root.SpanId, name, ActivityStatusCode.Unset), (p.ParentSpanId, p.GetTagItem("dataguard.wal.file"), p.Status)));
        Assert.Equal(pushed.StoredSize, pushes[0].GetTagItem("dataguard.wal.stored_size"));
        Assert.Equal(pushed.Key, Assert.Single(capture.ChildrenOf(pushes[0], "dataguard.storage.write")).GetTagItem("dataguard.storage.key"));
        Assert.Single(capture.ChildrenOf(pushes[1], "dataguard.storage.read"));   // the archived copy, compared with the file

        var fetches = capture.Named("dataguard.wal.fetch");
        Assert.Equal([(name, "fetched"), (missing, "not_found")], fetches.Select(f => (f.GetTagItem("dataguard.wal.file"), f.GetTagItem("dataguard.wal.outcome"))));
        Assert.All(fetches, f => Assert.Equal(ActivityStatusCode.Unset, f.Status));   // not archived is recovery's normal end, not an error

        Assert.Equal(["archived", "already_archived"], capture.Measured("dataguard.wal.push.duration").Select(m => m.Tag("dataguard.outcome")));
        Assert.Equal(2, capture.Measured("dataguard.wal.pushed").Sum(m => m.Value));
        Assert.Equal(pushed.StoredSize, Assert.Single(capture.Measured("dataguard.wal.pushed.size")).Value);
        Assert.Equal(["fetched", "not_found"], capture.Measured("dataguard.wal.fetches").Select(m => m.Tag("dataguard.outcome")));
        Assert.All(capture.Measured("dataguard.wal.fetch.duration"), m => Assert.Equal("s", m.Unit));

        // A spool pass: one span over the pushes of its files.
        var spool = Path.Combine(_work, "spool");
        Directory.CreateDirectory(spool);
        foreach (var segment in cluster.Segments.Skip(1).Take(2))
        {
            File.Copy(segment, Path.Combine(spool, Path.GetFileName(segment)));
        }

        Assert.Equal((2, 0), await _services.GetRequiredService<WalSpoolArchiver>().RunOnceAsync(spool));
        Assert.Equal((0, 0), await _services.GetRequiredService<WalSpoolArchiver>().RunOnceAsync(spool));   // idle: no span
        var pass = capture.Single("dataguard.wal.spool.pass");
        Assert.Equal((2, 2, 0), (pass.GetTagItem("dataguard.wal.spool.files"), pass.GetTagItem("dataguard.wal.spool.archived"), pass.GetTagItem("dataguard.wal.spool.failed")));
        Assert.Equal(2, capture.ChildrenOf(pass, "dataguard.wal.push").Count);

        // Forced failure: the archived copy is damaged; the fetch refuses it and its span is an error of that type.
        await using (var damaged = new MemoryStream(new byte[1024]))
        {
            await _services.GetRequiredService<IBackupStorage>().WriteAsync(pushed.Key, damaged);
        }

        await Assert.ThrowsAsync<ArchiveIntegrityException>(() => archive.FetchAsync(name, Path.Combine(_work, "again-" + name)));
        var failed = Assert.Single(capture.Named("dataguard.wal.fetch"), f => f.Status == ActivityStatusCode.Error);
        Assert.Equal(("failed", typeof(ArchiveIntegrityException).FullName), (failed.GetTagItem("dataguard.wal.outcome"), failed.GetTagItem("error.type")));
        Assert.Contains(name, (string)Assert.Single(failed.Events).Tags.First(t => t.Key == "exception.message").Value!, StringComparison.Ordinal);
        Assert.Contains(capture.Measured("dataguard.wal.fetches"), m => (string?)m.Tag("dataguard.outcome") == "failed");

        capture.AssertNothingContains(_bucket.Server.SecretKey, "Password=");
    }
}
