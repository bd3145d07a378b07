using DataGuard.Storage;
using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>
/// Doctor check: the configured storage takes a probe object (put, get, list, delete) and which optional features it
/// has; then, once it works, whether every backup manifest in it reads and verifies.
/// </summary>
internal sealed class StorageDoctorCheck(Func<IBackupStorage> storageFactory, Func<Backup.BackupService> backups) : IDoctorCheck
{
    public string Name => "storage";

    public int Order => 200;

    public async Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        IBackupStorage storage;
        try
        {
            storage = storageFactory();
        }
        catch (Exception ex) when (ex is OptionsValidationException or DataGuardException)
        {
            return [DoctorCheckResult.Fail(Name, "not checked: the storage options are invalid", string.Join(" ", OptionsFailures.Of(ex)))];
        }

        var probe = await storage.ProbeAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<DoctorCheckResult>();
        if (probe.FirstFailure is { } failure)
        {
            results.Add(DoctorCheckResult.Fail(
                Name,
                $"{storage.ProviderName} {probe.Location}: {failure.Name} failed: {failure.Detail}",
                "check the endpoint, bucket or folder, and the credentials' permissions (put, get, list, delete)"));
            return results;
        }

        results.Add(DoctorCheckResult.Ok(Name, $"{storage.ProviderName} {probe.Location}: put, get, list, delete OK"));
        var features = probe.Steps.Where(step => step.Optional)
            .Select(step => $"{step.Name} {(step.Succeeded ? "yes" : "no")}");
        results.Add(DoctorCheckResult.Ok($"{Name} features", string.Join(", ", features)));
        results.AddRange(await BackupCatalogLines.ReadAsync(backups, cancellationToken).ConfigureAwait(false));
        return results;
    }
}
