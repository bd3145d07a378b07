using DataGuard.DependencyInjection;
using DataGuard.Export;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Export;

public sealed class ExportJobTests
{
    [Fact]
    public async Task A_request_becomes_ready_with_working_links_on_s3_and_the_rate_limit_answers_when_to_retry()
    {
        await using var harness = await ExportHarness.CreateAsync(s3: true, o => o.RateLimit = TimeSpan.FromHours(1));
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", requestedBy: "user:1");
        Assert.Equal("pending", job.Status);
        Assert.Equal(["json", "csv", "pdf"], job.Formats);

        var limited = await Assert.ThrowsAsync<ExportRateLimitedException>(() => jobs.RequestExportAsync("1"));
        Assert.True(limited.RetryAfter > DateTimeOffset.UtcNow.AddMinutes(59));
        await jobs.RequestExportAsync("2");

        Assert.Equal(2, await harness.Services.GetRequiredService<ExportJobRunner>().RunPendingAsync());
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("ready", ready.Status);
        Assert.Equal("user:1", ready.RequestedBy);
        Assert.Equal(1, ready.Attempts);
        Assert.True(ready.ExpiresAt > DateTimeOffset.UtcNow.AddDays(6));
        Assert.NotNull(ready.Latency);
        Assert.Equal(3, ready.Artifacts.Count);
        using var http = new HttpClient();
        foreach (var artifact in ready.Artifacts)
        {
            Assert.StartsWith($"exports/{job.Id}/1/export", artifact.Key, StringComparison.Ordinal);
            var bytes = await http.GetByteArrayAsync(artifact.Link);
            Assert.Equal(artifact.Size, bytes.Length);
            Assert.Equal(artifact.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }

        var stats = await jobs.StatsAsync();
        Assert.Equal((0L, 0L), (stats.Pending, stats.Running));
        Assert.NotNull(stats.P95);
    }

    [Fact]
    public async Task An_unknown_subject_is_refused_at_request_time_and_a_job_whose_subject_vanished_fails_with_its_reason()
    {
        await using var harness = await ExportHarness.CreateAsync();
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        await Assert.ThrowsAsync<SubjectNotFoundException>(() => jobs.RequestExportAsync("404"));
        await Assert.ThrowsAsync<DataGuardException>(() => jobs.RequestExportAsync("1", ["xlsx"]));

        var job = await jobs.RequestExportAsync("2", ["json"]);
        await harness.Database.ExecuteAsync("DELETE FROM messages WHERE sender_id = 2 OR recipient_id = 2; DELETE FROM user_groups WHERE user_id = 2; DELETE FROM profiles WHERE user_id = 2; DELETE FROM audit_log WHERE user_id = 2; DELETE FROM order_items WHERE order_id = 20; DELETE FROM orders WHERE user_id = 2; UPDATE users SET best_friend_id = NULL; UPDATE teams SET captain_id = NULL WHERE id = 2; DELETE FROM users WHERE id = 2");
        await harness.Services.GetRequiredService<ExportJobRunner>().RunPendingAsync();
        var failed = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("failed", failed.Status);
        Assert.Contains("No subject public.users.id = '2'", failed.Error, StringComparison.Ordinal);
        Assert.Empty(failed.Artifacts);
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_done_later_exactly_once()
    {
        await using var harness = await ExportHarness.CreateAsync(configure: o => o.StaleAfter = TimeSpan.FromSeconds(30));
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", ["json", "pdf"]);

        // Worker A claims the job and dies: no heartbeat any more.
        var workerA = harness.Services.GetRequiredService<ExportJobRunner>();
        var claim = (await workerA.ClaimAsync(CancellationToken.None))!;
        Assert.Equal(job.Id, claim.Id);
        Assert.Null(await workerA.ClaimAsync(CancellationToken.None));
        Assert.Equal(0, await workerA.RunPendingAsync());
        await harness.Database.ExecuteAsync($"UPDATE dataguard.export_jobs SET heartbeat_at = now() - interval '1 minute' WHERE id = '{job.Id}'");

        // Worker B (another host) picks it up and finishes it.
        var workerB = ActivatorUtilities.CreateInstance<ExportJobRunner>(harness.Services);
        Assert.Equal(1, await workerB.RunPendingAsync());
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal(("ready", 2), (ready.Status, ready.Attempts));

        // Worker A was only slow: its late result is refused and its files removed; B's stay.
        await workerA.ProcessAsync(claim, CancellationToken.None);
        var after = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal(ready.Artifacts.Select(a => a.Key), after.Artifacts.Select(a => a.Key));
        var stored = new List<string>();
        await foreach (var item in harness.Services.GetRequiredService<IBackupStorage>().ListAsync($"exports/{job.Id}/"))
        {
            stored.Add(item.Key);
        }

        Assert.Equal(ready.Artifacts.Select(a => a.Key).Order(), stored.Order());
        Assert.All(stored, k => Assert.StartsWith($"exports/{job.Id}/2/", k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_export_serves_no_link_and_cleanup_deletes_its_artifacts()
    {
        await using var harness = await ExportHarness.CreateAsync(s3: true, o => o.LinkLifetime = TimeSpan.FromSeconds(2));
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", ["json"]);
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();
        await runner.RunPendingAsync();
        var ready = (await jobs.GetExportAsync(job.Id))!;
        var link = Assert.Single(ready.Artifacts).Link!;
        using var http = new HttpClient();
        Assert.True((await http.GetAsync(link)).IsSuccessStatusCode);

        await Task.Delay(TimeSpan.FromSeconds(3));
        var expired = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("expired", expired.Status);
        Assert.Empty(expired.Artifacts);
        Assert.False((await http.GetAsync(link)).IsSuccessStatusCode);

        Assert.Equal(1, await runner.CleanupAsync());
        Assert.Null(await harness.Services.GetRequiredService<IBackupStorage>().GetInfoAsync(ready.Artifacts[0].Key));
        Assert.Equal(1, await CountAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM dataguard.export_jobs WHERE id = '{job.Id}' AND status = 'expired'"));
    }

    [Fact]
    public async Task A_failed_attempt_leaves_no_personal_data_in_storage_and_cleanup_sweeps_leftovers()
    {
        await using var harness = await ExportHarness.CreateAsync(configure: o => { o.MaxAttempts = 2; o.StaleAfter = TimeSpan.FromSeconds(30); }, more: s => s.AddSingleton<DataGuard.Export.IExporter, FailingExporter>());
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var storage = harness.Services.GetRequiredService<IBackupStorage>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();

        // The JSON file is written, then the second format fails: both attempts' files go at once. The second attempt
        // waits StaleAfter after the first failed (aged here rather than waited for).
        var job = await jobs.RequestExportAsync("1", ["json", "failing"]);
        await runner.RunPendingAsync();
        Assert.Equal(("pending", 1), ((await jobs.GetExportAsync(job.Id))!.Status, (await jobs.GetExportAsync(job.Id))!.Attempts));
        Assert.Empty(await ListAsync(storage, $"exports/{job.Id}/"));
        await harness.Database.ExecuteAsync($"UPDATE dataguard.export_jobs SET heartbeat_at = now() - interval '1 minute' WHERE id = '{job.Id}'");
        await runner.RunPendingAsync();
        var failed = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal("failed", failed.Status);
        Assert.Equal(2, failed.Attempts);
        Assert.Empty(await ListAsync(storage, $"exports/{job.Id}/"));

        // Leftovers (a worker killed before it could delete): of the failed job, an old attempt of a ready job, a vanished job.
        var ready = await jobs.RequestExportAsync("2", ["json"]);
        await runner.RunPendingAsync();
        var kept = Assert.Single((await jobs.GetExportAsync(ready.Id))!.Artifacts).Key;
        var vanished = Guid.NewGuid();
        foreach (var key in new[] { $"exports/{job.Id}/1/export.json", $"exports/{ready.Id}/0/export.json", $"exports/{vanished}/1/export.json", $"exports/{Guid.NewGuid()}/1/export.json" })
        {
            await storage.WriteAsync(key, new MemoryStream("{\"name\":\"personal\"}"u8.ToArray()), StorageWriteOptions.Default);
        }

        File.SetLastWriteTimeUtc(Path.Combine(harness.Root, "exports", vanished.ToString(), "1", "export.json"), DateTime.UtcNow.AddHours(-1));
        await runner.CleanupAsync();
        var left = await ListAsync(storage, "exports/");
        Assert.Equal(2, left.Count);   // the ready job's artifact, and the fresh object of a job that may be being created
        Assert.Contains(kept, left);
        Assert.DoesNotContain(left, k => k.Contains(vanished.ToString(), StringComparison.Ordinal) || k.Contains(job.Id.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_storage_outage_during_a_pass_does_not_use_up_the_attempts_a_failed_attempt_waits_StaleAfter()
    {
        // S3 answers 503 to every write while the outage lasts (reads and listings still work): each attempt fails.
        var outage = true;
        await using var harness = await ExportHarness.CreateAsync(configure: o => o.StaleAfter = TimeSpan.FromSeconds(30), s3Fault: (request, _) => outage && request.HttpMethod is "PUT" or "POST" ? (503, "ServiceUnavailable") : null);
        var database = harness.Database;
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();
        var job = await jobs.RequestExportAsync("1", ["json"]);

        // One pass during the outage costs one attempt, not all three (retrying at once would fail the job for good within the pass).
        await runner.RunPendingAsync();
        var waiting = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal(("pending", 1), (waiting.Status, waiting.Attempts));
        Assert.Contains("503", waiting.Error, StringComparison.Ordinal);

        // The outage ends; the failed attempt is not retried before StaleAfter (aged here rather than waited for), then it is.
        outage = false;
        Assert.Equal(0, await runner.RunPendingAsync());
        await database.ExecuteAsync($"UPDATE dataguard.export_jobs SET heartbeat_at = now() - interval '1 minute' WHERE id = '{job.Id}'");
        Assert.Equal(1, await runner.RunPendingAsync());
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal(("ready", 2), (ready.Status, ready.Attempts));
    }

    [Fact]
    public async Task A_storage_outage_longer_than_MaxAttempts_tries_keeps_the_job_waiting_until_storage_is_back()
    {
        // The chaos suite found it: with S3 down for a few StaleAfter periods, every job in flight used up its three
        // attempts and failed for good (the user had to ask again, an hour later under the rate limit). An attempt lost
        // to an outage does not count against MaxAttempts; MaxOutageAttempts bounds them.
        var outage = true;
        await using var harness = await ExportHarness.CreateAsync(
            configure: o =>
            {
                o.StaleAfter = TimeSpan.FromSeconds(30);
                o.MaxAttempts = 2;
                o.MaxOutageAttempts = 4;
            },
            s3Fault: (request, _) => outage && request.HttpMethod is "PUT" or "POST" ? (503, "ServiceUnavailable") : null);
        var database = harness.Database;
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();
        var patient = await jobs.RequestExportAsync("1", ["json"]);
        var unlucky = await jobs.RequestExportAsync("2", ["json"]);

        async Task PassAsync()
        {
            await runner.RunPendingAsync();
            await database.ExecuteAsync("UPDATE dataguard.export_jobs SET heartbeat_at = now() - interval '1 minute' WHERE status = 'pending'");
        }

        for (var pass = 1; pass <= 4; pass++)
        {
            await PassAsync();
            var waiting = (await jobs.GetExportAsync(patient.Id))!;
            Assert.Equal(("pending", pass), (waiting.Status, waiting.Attempts));
            Assert.Contains("503", waiting.Error, StringComparison.Ordinal);
        }

        // The fifth outage attempt is one more than MaxOutageAttempts allows: failed for good, saying why.
        await database.ExecuteAsync($"UPDATE dataguard.export_jobs SET heartbeat_at = now() WHERE id = '{patient.Id}'");
        await PassAsync();
        var failed = (await jobs.GetExportAsync(unlucky.Id))!;
        Assert.Equal(("failed", 5), (failed.Status, failed.Attempts));
        Assert.Contains("503", failed.Error, StringComparison.Ordinal);

        outage = false;
        await PassAsync();
        var ready = (await jobs.GetExportAsync(patient.Id))!;
        Assert.Equal(("ready", 5), (ready.Status, ready.Attempts));
        Assert.Null(ready.Error);
    }

    private static async Task<List<string>> ListAsync(IBackupStorage storage, string prefix)
    {
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(prefix))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    /// <summary>A format that writes some bytes and then fails, as a format can midway (a bug, a full disk).</summary>
    [Fact]
    public async Task A_heartbeat_that_fails_once_keeps_beating_so_a_long_export_keeps_its_claim()
    {
        var slow = new SlowExporter();
        await using var harness = await ExportHarness.CreateAsync(configure: o => o.StaleAfter = TimeSpan.FromSeconds(2), more: s => s.AddSingleton<DataGuard.Export.IExporter>(slow));
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var job = await jobs.RequestExportAsync("1", ["json", "slow"]);
        var run = harness.Services.GetRequiredService<ExportJobRunner>().RunPendingAsync();
        await slow.Started.Task.WaitAsync(TimeSpan.FromMinutes(1));

        // A beat fails while it runs (a failover, a lock timeout): here it waits on a row lock and its backend is ended.
        await using var admin = new NpgsqlConnection(harness.Database.ConnectionString);
        await admin.OpenAsync();
        await using var locker = new NpgsqlConnection(harness.Database.ConnectionString);
        await locker.OpenAsync();
        var lockTransaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM dataguard.export_jobs WHERE id = '{job.Id}' FOR UPDATE", locker, lockTransaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        DateTime killedAt;
        await using (var kill = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE dataguard.export_jobs SET heartbeat_at%'", admin))
        {
            await Eventually.WaitUntilAsync(async () => (long)(await kill.ExecuteScalarAsync())! > 0, TimeSpan.FromSeconds(30));
            await using var now = new NpgsqlCommand("SELECT now()", admin);
            killedAt = (DateTime)(await now.ExecuteScalarAsync())!;
        }

        await lockTransaction.CommitAsync();

        // Beats go on after the failed one (a beat every StaleAfter / 4): the heartbeat moves past the kill.
        await using var beat = new NpgsqlCommand($"SELECT heartbeat_at > @killed + interval '1 second' FROM dataguard.export_jobs WHERE id = '{job.Id}'", admin);
        beat.Parameters.AddWithValue("killed", killedAt);
        await Eventually.WaitUntilAsync(async () => (bool)(await beat.ExecuteScalarAsync())!, TimeSpan.FromSeconds(30));

        slow.Release.SetResult();
        Assert.Equal(1, await run);
        var ready = (await jobs.GetExportAsync(job.Id))!;
        Assert.Equal(("ready", 1), (ready.Status, ready.Attempts));
    }

    private sealed class FailingExporter : DataGuard.Export.IExporter
    {
        public string Format => "failing";

        public string FileExtension => ".bin";

        public string ContentType => "application/octet-stream";

        public async Task WriteAsync(DataGuard.Export.ExportDocument document, Stream output, CancellationToken cancellationToken = default)
        {
            await output.WriteAsync("partial personal data"u8.ToArray(), cancellationToken);
            throw new IOException("the format failed midway");
        }
    }

    private sealed class SlowExporter : DataGuard.Export.IExporter
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Format => "slow";

        public string FileExtension => ".bin";

        public string ContentType => "application/octet-stream";

        public async Task WriteAsync(DataGuard.Export.ExportDocument document, Stream output, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            await output.WriteAsync("done"u8.ToArray(), cancellationToken);
        }
    }
}
