using DataGuard.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// The database the backup, restore and drill scenarios protect (two tables, 200,000 orders: about 35 MB, so that
/// pg_dump and pg_restore run long enough to be hit), its independent row counts, and one good backup of it.
/// </summary>
internal sealed class ChaosSource
{
    public const string Database = "chaos_source";

    public static readonly IReadOnlyDictionary<string, long> RowCounts = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        ["public.customers"] = 2000,
        ["public.orders"] = 200_000,
    };

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<ChaosLab, ChaosSource> Sources = [];

    private ChaosSource(string sharedConfig, string sharedBackupId)
    {
        SharedConfig = sharedConfig;
        SharedBackupId = sharedBackupId;
    }

    /// <summary>Gets the configuration of the shared backup's storage (prefix <c>backup-shared</c>): only read by scenarios, never changed.</summary>
    public string SharedConfig { get; }

    /// <summary>Gets the id of a verified backup of <see cref="Database"/> under <see cref="SharedConfig"/>.</summary>
    public string SharedBackupId { get; }

    public static async Task<ChaosSource> GetAsync(ChaosLab lab)
    {
        await Gate.WaitAsync();
        try
        {
            if (!Sources.TryGetValue(lab, out var source))
            {
                await lab.Postgres.CreateDatabaseAsync(Database);
                await lab.Postgres.ExecuteAsync(
                    """
                    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
                    INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
                    CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, amount numeric(10,2) NOT NULL,
                                         placed_at timestamptz NOT NULL, note text NOT NULL);
                    INSERT INTO orders SELECT g, 1 + g % 2000, (g % 1000) / 10.0, now() - (g % 1000) * interval '1 hour',
                                              md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 17)::text)
                    FROM generate_series(1, 200000) g;
                    ANALYZE;
                    """,
                    Database);
                var config = lab.WriteConfig(Path.Combine(lab.Root, "backup-shared.json"), lab.BackupSection(Database, "backup-shared"));
                await using var services = ChaosLab.Services(config);
                var manifest = await services.GetRequiredService<BackupService>().RunAsync();
                Sources[lab] = source = new ChaosSource(config, manifest.Id);
            }

            return source;
        }
        finally
        {
            Gate.Release();
        }
    }
}
