using DataGuard.Backup;
using DataGuard.Configuration;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;
using DataGuard.DependencyInjection;

namespace DataGuard.Postgres.Migrations;

/// <summary>Before a migration run changes anything: a logical backup and a restore point, as configured.</summary>
internal sealed class MigrationSafetyNet(IServiceProvider services, MigrationsOptions options)
{
    public async Task<(string? BackupId, string? RestorePoint)> PrepareAsync(string deploy, CancellationToken cancellationToken)
    {
        string? backupId = null;
        if (options.BackupBeforeChange)
        {
            backupId = (await services.GetRequiredService<BackupService>().RunAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
        }

        string? restorePoint = null;
        var pitrEnabled = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataGuard.Pitr.PitrOptions>>().Value.Enabled;
        if (options.RestorePointBeforeChange ?? pitrEnabled)
        {
            restorePoint = (await services.GetRequiredService<RestorePoints>().MarkAsync($"before-migrate-{deploy}", cancellationToken).ConfigureAwait(false)).Name;
        }

        return (backupId, restorePoint);
    }
}
