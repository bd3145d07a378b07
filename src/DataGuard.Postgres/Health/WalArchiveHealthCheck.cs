using DataGuard.Configuration;
using DataGuard.Pitr;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Health;

/// <summary>
/// The health check <c>dataguard-wal</c>: Unhealthy when the WAL archive has a gap, or when archiving lags more than
/// <c>Pitr:MaxArchiveLag</c> (from <c>pg_stat_archiver</c>, where the host can read it). Healthy when PITR is off.
/// </summary>
internal sealed class WalArchiveHealthCheck : IHealthCheck
{
    /// <summary>The check's registration name.</summary>
    public const string Name = "dataguard-wal";

    private readonly WalArchiveInspector _inspector;
    private readonly DataGuardDataSource _dataSource;
    private readonly PitrOptions _options;

    /// <summary>Initializes a new instance of the <see cref="WalArchiveHealthCheck"/> class.</summary>
    /// <param name="inspector">The WAL archive inspector.</param>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="options">The options.</param>
    public WalArchiveHealthCheck(WalArchiveInspector inspector, DataGuardDataSource dataSource, IOptions<PitrOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _inspector = inspector;
        _dataSource = dataSource;
        _options = options.Value;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_options.Enabled)
        {
            return HealthCheckResult.Healthy("Point-in-time recovery is not enabled (DataGuard:Pitr:Enabled).");
        }

        var status = await _inspector.InspectAsync(WalArchiveInspector.ReportingListingAge, cancellationToken).ConfigureAwait(false);
        if (status.HasGaps)
        {
            var gaps = status.Timelines.SelectMany(t => t.Gaps).Select(g => g.Count == 1 ? g.From : $"{g.From}..{g.To}");
            return HealthCheckResult.Unhealthy($"The WAL archive has gaps: {string.Join(", ", gaps)}; recovery cannot pass them. Take a new base backup.");
        }

        if (status.BaseBackups == 0)
        {
            return HealthCheckResult.Unhealthy("There is no verified base backup: point-in-time recovery has nothing to start from.");
        }

        var lag = await ReadLagAsync(cancellationToken).ConfigureAwait(false);
        return lag is { } behind && behind > _options.MaxArchiveLag
            ? HealthCheckResult.Unhealthy($"WAL archiving lags {behind.TotalMinutes:F0} min behind (limit {_options.MaxArchiveLag.TotalMinutes:F0} min): check archive_command and pg_stat_archiver.")
            : HealthCheckResult.Healthy($"WAL archive without gaps; restorable from {status.EarliestRestorableTime:O} to about {status.LatestRestorableTime:O}.");
    }

    private async Task<TimeSpan?> ReadLagAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _dataSource.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // Lagging: the segment before the one being written is not archived, and the last archive is old.
                var command = new NpgsqlCommand(
                    """
                    SELECT CASE WHEN coalesce(last_archived_wal, '') < pg_walfile_name(pg_current_wal_lsn() - (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'))
                                THEN now() - coalesce(last_archived_time, pg_postmaster_start_time()) END
                    FROM pg_stat_archiver
                    """,
                    connection);
                await using (command.ConfigureAwait(false))
                {
                    var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return value is TimeSpan span ? span : null;
                }
            }
        }
        catch (NpgsqlException)
        {
            // A managed server or a standby may not answer: the gap check stands alone.
            return null;
        }
    }
}
