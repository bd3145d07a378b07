namespace DataGuard.Postgres.Migrations;

/// <summary>Before a migration run changes anything: a logical backup and a restore point, as configured.</summary>
internal sealed class MigrationSafetyNet(MigrationServices services, MigrationsOptions options)
{
    public async Task<(string? BackupId, string? RestorePoint)> PrepareAsync(string deploy, CancellationToken cancellationToken)
    {
        string? backupId = null;
        if (options.BackupBeforeChange)
        {
            backupId = (await services.Backups().RunAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Id;
        }

        string? restorePoint = null;
        if (options.RestorePointBeforeChange ?? services.Pitr.Value.Enabled)
        {
            restorePoint = (await services.RestorePoints().MarkAsync($"before-migrate-{deploy}", cancellationToken).ConfigureAwait(false)).Name;
        }

        return (backupId, restorePoint);
    }
}
