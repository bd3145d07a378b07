using System.Diagnostics;
using DataGuard.DependencyInjection;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Benchmarks;

/// <summary>
/// Self-service export request-to-ready: 30 subjects (each with a profile, 20 orders and 200 events) ask for JSON, CSV
/// and PDF one after another (foreign keys indexed, as they should be), with the hosted worker running (woken by the request) and local-disk storage; prints
/// p50, p95 and the worst. Run by scripts/bench-db.sh export-latency.
/// </summary>
internal static class ExportLatency
{
    private const string Setup = """
        CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text NOT NULL, password_hash text);
        CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users, total numeric(10, 2), placed_at timestamptz NOT NULL);
        CREATE TABLE events (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users, kind text, detail jsonb, at timestamptz NOT NULL);
        INSERT INTO users SELECT g, 'u' || g || '@example.com', 'User ' || g, md5(g::text) FROM generate_series(1, 10000) g;
        INSERT INTO orders (user_id, total, placed_at) SELECT 1 + g % 10000, g % 300, now() - g * interval '1 hour' FROM generate_series(1, 200000) g;
        INSERT INTO events (user_id, kind, detail, at) SELECT 1 + g % 10000, 'view', jsonb_build_object('n', g), now() - g * interval '1 minute' FROM generate_series(1, 2000000) g;
        CREATE INDEX ON orders (user_id);
        CREATE INDEX ON events (user_id);
        ANALYZE;
        """;

    public static async Task<int> RunAsync()
    {
        var admin = Environment.GetEnvironmentVariable("DATAGUARD_TEST_POSTGRES") ?? throw new InvalidOperationException("DATAGUARD_TEST_POSTGRES is not set: run scripts/bench-db.sh export-latency.");
        var connectionString = await RetentionThroughput.CreateAsync(admin, "bench_export_latency", Setup);

        var root = Path.Combine(Path.GetTempPath(), "dataguard-export-latency-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = connectionString).AddFileSystemStorage(root);
        services.Configure<ExportOptions>(o =>
        {
            o.Subject.Table = "public.users";
            o.RateLimit = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();
        var worker = provider.GetRequiredService<ExportWorker>();
        await worker.StartAsync(CancellationToken.None);
        var jobs = provider.GetRequiredService<ExportJobs>();
        var latencies = new List<double>();
        try
        {
            for (var subject = 1; subject <= 30; subject++)
            {
                var job = await jobs.RequestExportAsync(subject.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var stopwatch = Stopwatch.StartNew();
                ExportJob? done;
                while ((done = await jobs.GetExportAsync(job.Id))!.Status is "pending" or "running")
                {
                    await Task.Delay(20);
                }

                if (done.Status != "ready")
                {
                    throw new InvalidOperationException($"export {job.Id} ended {done.Status}: {done.Error}");
                }

                latencies.Add(done.Latency!.Value.TotalSeconds);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            Directory.Delete(root, recursive: true);
        }

        latencies.Sort();
        double Percentile(double p) => latencies[(int)Math.Ceiling(p * latencies.Count) - 1];
        Console.WriteLine($"request to ready, {latencies.Count} subjects (json + csv + pdf; 10,000 users, 200,000 orders, 2,000,000 events):");
        Console.WriteLine($"  p50 {Percentile(0.5):F2} s, p95 {Percentile(0.95):F2} s, worst {latencies[^1]:F2} s");
        return 0;
    }
}
