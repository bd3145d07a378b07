using DataGuard.Backup;
using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>The doctor's <c>backups</c> lines: every manifest reads and verifies, or one FAIL line per quarantined backup.</summary>
internal static class BackupCatalogLines
{
    public const string Name = "backups";

    public static async Task<IReadOnlyList<DoctorCheckResult>> ReadAsync(Func<BackupService> backups, CancellationToken cancellationToken)
    {
        BackupCatalog catalog;
        try
        {
            catalog = await backups().GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OptionsValidationException or DataGuardException or FormatException)
        {
            return [DoctorCheckResult.Fail(Name, $"the backup catalog cannot be read: {ex.Message}", "fix the storage or encryption options named in the message")];
        }

        if (catalog.Unreadable.Count == 0)
        {
            return [DoctorCheckResult.Ok(Name, $"{catalog.Backups.Count} backups, every manifest reads and verifies; {catalog.Orphans.Count} folders without a manifest")];
        }

        return [.. catalog.Unreadable.Select(u => DoctorCheckResult.Fail(
            Name,
            $"{u.Id}: {u.Reason}; quarantined, nothing of it is deleted",
            $"read it with the DataGuard version that wrote it, or put back an intact copy of its manifest; if it is truly lost, delete it on purpose: dataguard backup forget {u.Id} --confirm"))];
    }
}
