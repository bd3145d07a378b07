using DataGuard.Backup;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>The backup invariants: what `backup list` calls verified passes `backup verify`, a failed run leaves at most an orphan, nothing is unreadable.</summary>
internal static class BackupChecks
{
    /// <summary>Checks the catalog under a configuration after a fault; returns it.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="config">The configuration file (storage).</param>
    /// <param name="before">The ids of the backups that existed, good, before the fault.</param>
    /// <param name="verified">The ids already verified in this scenario (not read again).</param>
    public static async Task<BackupCatalog> CatalogAsync(ChaosScenario scenario, string config, IReadOnlyCollection<string> before, IReadOnlyCollection<string>? verified = null)
    {
        await using var services = ChaosLab.Services(config);
        var backups = services.GetRequiredService<BackupService>();
        var catalog = await backups.GetCatalogAsync();
        scenario.Trace($"catalog: {string.Join(", ", catalog.Backups.Select(b => $"{b.Id} {b.Status}"))}; orphans: {string.Join(", ", catalog.Orphans.Select(o => o.Id))}; unreadable: {string.Join(", ", catalog.Unreadable.Select(u => $"{u.Id} ({u.Reason})"))}");
        scenario.Invariant("no unreadable manifest", catalog.Unreadable.Count == 0, $"an interrupted operation left manifests that cannot be read: {string.Join("; ", catalog.Unreadable.Select(u => $"{u.Id}: {u.Reason}"))}");
        foreach (var id in before)
        {
            var manifest = catalog.Backups.FirstOrDefault(b => b.Id == id);
            scenario.Invariant("a good backup stays listed", manifest is not null, $"backup {id}, good before the fault, is no longer in the catalog");
            scenario.Invariant("a good backup is never recorded as failed", manifest!.Status == BackupStatus.Verified, $"backup {id}, verified before the fault, now reads {manifest.Status}: {manifest.Verification?.Detail}");
        }

        foreach (var manifest in catalog.Backups)
        {
            var stored = await services.GetRequiredService<IBackupStorage>().GetInfoAsync(manifest.DataKey);
            scenario.Invariant("no manifest without its data", stored is not null && stored.Size == manifest.StoredSize, $"backup {manifest.Id}: its manifest says {manifest.StoredSize} bytes at {manifest.DataKey}, storage has {stored?.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}");
            if (manifest.Status == BackupStatus.VerificationFailed)
            {
                var again = await backups.VerifyAsync(manifest.Id);
                scenario.Invariant("a failed verification means the archive is bad", !again.Verification!.Succeeded, $"backup {manifest.Id} was recorded as failing verification ({manifest.Verification!.Detail}), but its archive verifies");
            }

            if (manifest.Status == BackupStatus.Verified && verified?.Contains(manifest.Id) != true)
            {
                var again = await backups.VerifyAsync(manifest.Id);
                scenario.Invariant("listed as verified means backup verify passes", again.Verification!.Succeeded, $"backup {manifest.Id} is listed as verified but verify says: {again.Verification.Detail}");
            }
        }

        return catalog;
    }

    /// <summary>Copies a backup's objects (archive, manifest) from one storage to another, as a scenario's own copy to change.</summary>
    public static async Task CopyAsync(string fromConfig, string toConfig, string id)
    {
        await using var from = ChaosLab.Services(fromConfig);
        await using var to = ChaosLab.Services(toConfig);
        var source = from.GetRequiredService<IBackupStorage>();
        var target = to.GetRequiredService<IBackupStorage>();
        await foreach (var item in source.ListAsync($"backups/{id}/"))
        {
            await using var stream = await source.OpenReadAsync(item.Key);
            await target.WriteAsync(item.Key, stream);
        }
    }

    /// <summary>The row counts a manifest recorded equal the source's, counted independently.</summary>
    public static void RowCountsMatch(ChaosScenario scenario, BackupManifest manifest)
    {
        foreach (var (table, rows) in ChaosSource.RowCounts)
        {
            scenario.Invariant("manifest row counts match the database", manifest.TableRowCounts.GetValueOrDefault(table) == rows, $"backup {manifest.Id}: {table} {manifest.TableRowCounts.GetValueOrDefault(table)} rows in the manifest, {rows} in the database");
        }
    }
}
