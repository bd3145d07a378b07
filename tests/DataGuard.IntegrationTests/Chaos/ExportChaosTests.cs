using System.Security.Cryptography;
using DataGuard.Postgres.Export;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Chaos on self-service export jobs built by `dataguard export work --once` (a process of its own): killed while it
/// builds, PostgreSQL or S3 stopped under it. Afterwards no job is ready unless each of its artifacts is whole in
/// storage (size and SHA-256 as recorded); the next run delivers every job; nothing but ready jobs' artifacts is left
/// in storage (no personal data from an abandoned attempt).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ExportChaosTests(ChaosLab lab, ITestOutputHelper output)
{
    private const string Template = "chaos_export_template";
    private const int Jobs = 4;
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly HashSet<ChaosLab> Built = [];

    public static TheoryData<ChaosFault> WorkFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopS3], ChaosFault.StopPostgres);

    [Theory]
    [MemberData(nameof(WorkFaults))]
    public Task Export_work(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "export work", fault, async s =>
    {
        var database = await CreateAsync(s.Tag);
        try
        {
            var config = lab.WriteConfig(Path.Combine(lab.Root, $"export-{s.Tag}.json"), new
            {
                Postgres = new { ConnectionString = lab.Postgres.ConnectionString(database) },
                Storage = lab.S3Storage($"export-{s.Tag}"),
                Export = new { Subject = new { Table = "public.customers", Key = "id" }, StaleAfter = "00:00:01", RateLimit = "00:00:00" },
            });
            var ids = new List<Guid>();
            await using (var services = ChaosLab.Services(config))
            {
                var jobs = services.GetRequiredService<ExportJobs>();
                for (var subject = 1; subject <= Jobs; subject++)
                {
                    ids.Add((await jobs.RequestExportAsync(subject.ToString(System.Globalization.CultureInfo.InvariantCulture), ["json", "csv", "pdf"], "chaos")).Id);
                }
            }

            using var work = ChaosProcess.Start(["export", "work", "--once", "--config", config]);
            var oneReady = new FaultPoint("one job is ready, the next is being built", async () => await ReadyAsync(database) >= 1, 400) { Sticky = true };
            var running = new FaultPoint("the first job is being built", async () => await CountAsync(database, "status = 'running'") >= 1, 300);
            var result = await s.InjectAsync(work, lab.Postgres, oneReady, running);
            s.Invariant("a run that reported success leaves no job half-built", !result.Succeeded || await CountAsync(database, "status = 'running'") == 0, work.Describe());
            await CheckAsync(s, config, ids, delivered: false);

            // The operator's next step: run the worker again once an abandoned claim is stale (StaleAfter, 1 s here).
            await Task.Delay(1200);
            using var next = await ChaosProcess.RunAsync(["export", "work", "--once", "--config", config]);
            s.Trace($"next run: {next.Describe()}");
            s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
            s.NamesItsFailure(next);
            await CheckAsync(s, config, ids, delivered: true);
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    });

    private async Task CheckAsync(ChaosScenario s, string config, List<Guid> ids, bool delivered)
    {
        var when = delivered ? "after the next run" : "after the fault";
        await using var services = ChaosLab.Services(config);
        var jobs = services.GetRequiredService<ExportJobs>();
        var storage = services.GetRequiredService<IBackupStorage>();
        var artifacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var job = (await jobs.GetExportAsync(id))!;
            s.Trace($"{when}: job {id.ToString()[^6..]} {job.Status}, attempt {job.Attempts}{(job.Error is null ? string.Empty : $", error {job.Error}")}");
            if (job.Status == "ready")
            {
                s.Invariant("a ready job has every format", job.Artifacts.Select(a => a.Format).Order().SequenceEqual(["csv", "json", "pdf"]), $"{when}: job {id}: {string.Join(", ", job.Artifacts.Select(a => a.Format))}");
                foreach (var artifact in job.Artifacts)
                {
                    artifacts.Add(artifact.Key);
                    s.Invariant("a ready job links only to whole files", await Sha256Async(storage, artifact.Key) == (artifact.Size, artifact.Sha256), $"{when}: job {id}: {artifact.Key} in storage differs from the recorded {artifact.Size} bytes / {artifact.Sha256}");
                    s.Invariant("a ready job's link is handed out", artifact.Link is not null, $"{when}: job {id}: {artifact.Key} has no link");
                }
            }
            else
            {
                s.Invariant("a job that is not ready hands out no link", job.Artifacts.All(a => a.Link is null), $"{when}: job {id} is {job.Status} with links");
            }

            s.Invariant("the next run delivers every job", !delivered || job.Status == "ready", $"job {id} is {job.Status} (attempt {job.Attempts}): {job.Error}");
        }

        if (delivered)
        {
            var left = new List<string>();
            await foreach (var item in storage.ListAsync("exports/"))
            {
                if (!artifacts.Contains(item.Key))
                {
                    left.Add(item.Key);
                }
            }

            s.Invariant("no personal data is left from an abandoned attempt", left.Count == 0, $"objects that are no ready job's artifact: {string.Join(", ", left)}");
        }
    }

    private static async Task<(long, string)> Sha256Async(IBackupStorage storage, string key)
    {
        try
        {
            await using var stream = await storage.OpenReadAsync(key);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return (buffer.Length, Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray())));
        }
        catch (StorageObjectNotFoundException)
        {
            return (-1, "missing");
        }
    }

    private Task<long> ReadyAsync(string database) => CountAsync(database, "status = 'ready'");

    private async Task<long> CountAsync(string database, string condition)
    {
        try
        {
            return await lab.Postgres.CountAsync($"SELECT count(*) FROM dataguard.export_jobs WHERE {condition}", database);
        }
        catch (Npgsql.NpgsqlException)
        {
            return 0;
        }
    }

    /// <summary>A copy of a small shop (200 customers with 60 orders each) for one scenario.</summary>
    private async Task<string> CreateAsync(string tag)
    {
        await Gate.WaitAsync();
        try
        {
            if (Built.Add(lab))
            {
                await lab.Postgres.CreateDatabaseAsync(Template);
                await lab.Postgres.ExecuteAsync(
                    """
                    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
                    INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 200) g;
                    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, amount numeric(10,2) NOT NULL, note text NOT NULL);
                    INSERT INTO orders SELECT g, 1 + g % 200, (g % 1000) / 10.0, 'order ' || g || ' ' || md5(g::text) FROM generate_series(1, 12000) g;
                    """,
                    Template);
            }
        }
        finally
        {
            Gate.Release();
        }

        var database = $"chaos_export_{tag}";
        await lab.Postgres.CreateDatabaseAsync(database, Template);
        return database;
    }
}
