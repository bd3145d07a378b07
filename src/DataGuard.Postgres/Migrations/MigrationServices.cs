using DataGuard.Backup;
using DataGuard.Pitr;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Migrations;

/// <summary>What migrations use besides their options: the database, the safety net's parts (resolved only when a run takes a backup or a restore point), and the clock.</summary>
/// <param name="DataSource">The database migrated.</param>
/// <param name="Backups">The backup service, for a backup before a change.</param>
/// <param name="RestorePoints">The restore points, for one before a change.</param>
/// <param name="Pitr">Whether point-in-time recovery is on (restore points by default then).</param>
/// <param name="Time">The clock.</param>
/// <param name="Metrics">The metrics (steps by direction and outcome, their durations).</param>
internal sealed record MigrationServices(DataGuardDataSource DataSource, Func<BackupService> Backups, Func<RestorePoints> RestorePoints, IOptions<PitrOptions> Pitr, TimeProvider Time, DataGuard.Telemetry.DataGuardMetrics Metrics);
