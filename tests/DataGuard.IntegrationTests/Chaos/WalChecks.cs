using System.Globalization;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>The WAL invariants: every file PostgreSQL counts as archived (archive_status/*.done) comes back from the archive byte for byte.</summary>
internal static class WalChecks
{
    /// <summary>Writes about 5 MB of WAL and switches to a new segment, <paramref name="count"/> times; returns the segments switched from.</summary>
    public static async Task<List<string>> WriteSegmentsAsync(ChaosCluster cluster, int count)
    {
        var segments = new List<string>();
        await cluster.ExecuteAsync("CREATE TABLE IF NOT EXISTS wal_load (i int, pad text)");
        for (var i = 0; i < count; i++)
        {
            await cluster.ExecuteAsync("INSERT INTO wal_load SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 15000) g");
            segments.Add((string)(await cluster.ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"))!);
        }

        return segments;
    }

    /// <summary>Switches to a new segment and waits until PostgreSQL has archived it (archiving caught up after the fault: the next push succeeds).</summary>
    public static async Task CatchUpAsync(ChaosScenario scenario, ChaosCluster cluster, TimeSpan timeout)
    {
        var last = (await WriteSegmentsAsync(cluster, 1))[^1];
        var deadline = DateTime.UtcNow + timeout;
        var archived = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            archived = (string)(await cluster.ScalarAsync("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"))!;
            if (string.CompareOrdinal(archived, last) >= 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        var stats = (string)(await cluster.ScalarAsync("SELECT row(archived_count, failed_count, last_failed_wal, last_failed_time)::text FROM pg_stat_archiver"))!;
        scenario.Trace($"archiver: last archived {archived}, (archived, failed, last failed, when) = {stats}");
        scenario.Invariant("archiving catches up after the fault (the next push succeeds)", string.CompareOrdinal(archived, last) >= 0, $"segment {last} not archived within {timeout.TotalSeconds} s; last archived {archived}; {stats}");
    }

    /// <summary>The WAL files PostgreSQL marked archived (a <c>.done</c> file) since <paramref name="since"/>, still in pg_wal.</summary>
    public static List<string> DoneSince(ChaosCluster cluster, DateTime since)
    {
        var status = Path.Combine(cluster.DataDir, "pg_wal", "archive_status");
        return [.. Directory.EnumerateFiles(status, "*.done")
            .Where(f => File.GetLastWriteTimeUtc(f) >= since.AddSeconds(-1))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => File.Exists(Path.Combine(cluster.DataDir, "pg_wal", n)))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Each file is fetched from the archive (in the test process, with the library) and compared with PostgreSQL's own copy.</summary>
    public static async Task FetchIdenticalAsync(ChaosScenario scenario, ChaosCluster cluster, string config, IEnumerable<string> names, string reportedBy)
    {
        await using var services = ChaosLab.Services(config);
        var archive = services.GetRequiredService<WalArchive>();
        var folder = Directory.CreateTempSubdirectory("dataguard-chaos-fetch-").FullName;
        try
        {
            var count = 0;
            foreach (var name in names)
            {
                var fetched = Path.Combine(folder, name);
                string? error = null;
                try
                {
                    await archive.FetchAsync(name, fetched);
                }
                catch (Exception ex) when (ex is DataGuardException or IOException)
                {
                    error = $"{ex.GetType().Name}: {ex.Message}";
                }

                scenario.Invariant($"a WAL file {reportedBy} is durable", error is null, $"{name}: {error}");
                var original = await File.ReadAllBytesAsync(Path.Combine(cluster.DataDir, "pg_wal", name));
                var back = error is null ? await File.ReadAllBytesAsync(fetched) : [];
                scenario.Invariant($"a WAL file {reportedBy} comes back byte for byte", back.AsSpan().SequenceEqual(original), name);
                File.Delete(fetched);
                count++;
            }

            scenario.Trace(string.Create(CultureInfo.InvariantCulture, $"{count} WAL file(s) {reportedBy} fetched back identical"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The archive has no gap (wal status).</summary>
    public static async Task NoGapAsync(ChaosScenario scenario, string config)
    {
        await using var services = ChaosLab.Services(config);
        var status = await services.GetRequiredService<WalArchiveInspector>().InspectAsync();
        scenario.Invariant("the WAL archive has no gap", !status.HasGaps, string.Join("; ", status.Timelines.SelectMany(t => t.Gaps).Select(g => $"{g.From}..{g.To}")));
    }
}
