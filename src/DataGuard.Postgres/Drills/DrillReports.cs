using System.Text.Json;
using DataGuard.Storage;

namespace DataGuard.Postgres.Drills;

/// <summary>Drill reports in storage: one write-once JSON object per drill under <c>drills/&lt;id&gt;.json</c> (<see cref="StorageLayout"/>).</summary>
internal sealed class DrillReports(IBackupStorage storage)
{
    /// <summary>Stores a report; a report is never overwritten. When that fails, the error still says how the drill went.</summary>
    public async Task SaveAsync(DrillReport report, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(report, DrillJsonContext.Default.DrillReport));
        try
        {
            await storage.WriteAsync(StorageLayout.DrillReport(report.Id), buffer, StorageWriteOptions.CreateOnly with { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            // The drill's outcome is the first thing an operator needs: the error still says it.
            var outcome = report.Passed
                ? "passed"
                : $"FAILED ({report.Error ?? string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}"))})";
            throw new DataGuardException($"Drill {report.Id} {outcome}, but its report could not be stored, so health checks and 'drill list' will not show it: {ex.Message}", ex) { Operation = "drill" };
        }
    }

    /// <summary>The latest reports, newest first (drill ids sort by time).</summary>
    public async Task<IReadOnlyList<DrillReport>> ListAsync(int count, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(StorageLayout.Drills, cancellationToken).ConfigureAwait(false))
        {
            if (item.Key.EndsWith(".json", StringComparison.Ordinal))
            {
                keys.Add(item.Key);
            }
        }

        var reports = new List<DrillReport>();
        foreach (var key in keys.OrderDescending(StringComparer.Ordinal).Take(count))
        {
            var stream = await storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                reports.Add((await JsonSerializer.DeserializeAsync(stream, DrillJsonContext.Default.DrillReport, cancellationToken).ConfigureAwait(false))!);
            }
        }

        return reports;
    }
}
