using System.Text;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// The retention scenarios' data, built once as a template database and copied for every scenario: 60,000 events over
/// two years (half expired, customer 42 under a legal hold) and metrics in 25 monthly range partitions (sensor 7, under
/// a hold, only in the partition of 20 months ago). Row ids (events.id, metrics.value) are unique, so archives can be
/// checked row by row.
/// </summary>
internal static class RetentionWorkload
{
    public const string Template = "chaos_retention_template";
    public const int BatchSize = 1000;

    /// <summary>Expired by every policy's 365 days; rows of day 364 and younger are inside the window whenever the suite runs (rows sit at whole days minus an hour).</summary>
    public const string Expired = "created_at < now() - interval '365 days'";

    public const string Window = "created_at >= now() - interval '364 days'";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly HashSet<ChaosLab> Built = [];

    /// <summary>Copies the template into a new database of the scenario's own.</summary>
    public static async Task<string> CreateAsync(ChaosLab lab, string tag)
    {
        await Gate.WaitAsync();
        try
        {
            if (Built.Add(lab))
            {
                await lab.Postgres.CreateDatabaseAsync(Template);
                await lab.Postgres.ExecuteAsync(
                    """
                    CREATE TABLE events (id bigint PRIMARY KEY, customer_id int NOT NULL, email text, ip text, country text NOT NULL,
                                         created_at timestamptz NOT NULL, anonymized_at timestamptz);
                    INSERT INTO events SELECT g, g % 500, 'u' || g || '@example.com', '10.0.' || (g % 250) || '.' || (g % 200), 'FR',
                                              now() - (g % 730) * interval '1 day' - interval '1 hour', NULL
                    FROM generate_series(1, 60000) g;
                    CREATE TABLE metrics (taken_at timestamptz NOT NULL, sensor int NOT NULL, value bigint NOT NULL) PARTITION BY RANGE (taken_at);
                    DO $$
                    DECLARE lo timestamptz;
                    BEGIN
                      FOR m IN 0..23 LOOP
                        lo := date_trunc('month', now()) - make_interval(months => m);
                        EXECUTE format('CREATE TABLE metrics_m%s PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)', lpad(m::text, 2, '0'), lo, lo + interval '1 month');
                      END LOOP;
                      EXECUTE format('CREATE TABLE metrics_next PARTITION OF metrics FOR VALUES FROM (%L) TO (%L)', date_trunc('month', now()) + interval '1 month', date_trunc('month', now()) + interval '2 months');
                    END $$;
                    INSERT INTO metrics SELECT date_trunc('month', now()) - make_interval(months => g % 24) + (g % 27) * interval '1 day' + interval '1 hour',
                                               CASE WHEN g % 24 = 20 AND g % 50 = 0 THEN 7 ELSE 1 + g % 5 END, g
                    FROM generate_series(1, 48000) g;
                    ANALYZE;
                    """,
                    Template);
            }
        }
        finally
        {
            Gate.Release();
        }

        var database = $"chaos_retention_{tag}";
        await lab.Postgres.CreateDatabaseAsync(database, Template);
        return database;
    }

    /// <summary>The ids of the rows in archive objects under a prefix that have their manifest; and the objects that have none.</summary>
    public static async Task<(HashSet<long> Ids, List<string> WithoutManifest)> ArchivedAsync(string config, string prefix, string idField)
    {
        await using var services = ChaosLab.Services(config);
        var storage = services.GetRequiredService<IBackupStorage>();
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(prefix))
        {
            keys.Add(item.Key);
        }

        var ids = new HashSet<long>();
        var orphans = new List<string>();
        foreach (var key in keys.Where(k => k.Contains(".ndjson", StringComparison.Ordinal)))
        {
            if (!keys.Contains(key[..key.IndexOf(".ndjson", StringComparison.Ordinal)] + ".manifest.json"))
            {
                orphans.Add(key);
                continue;
            }

            await using var stored = await storage.OpenReadAsync(key);
            await using var decoded = ArchiveCodec.OpenReader(stored, key.Contains(".zst", StringComparison.Ordinal), false, EncryptionKeyRing.None, ArchiveContexts.StorageObject(key));
            using var reader = new StreamReader(decoded, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                using var row = JsonDocument.Parse(line);
                ids.Add(row.RootElement.GetProperty(idField).GetInt64());
            }
        }

        return (ids, orphans);
    }
}
