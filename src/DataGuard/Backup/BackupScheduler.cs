using DataGuard.Pitr;
using DataGuard.Coordination;
using DataGuard.Configuration;
using DataGuard.Scheduling;
using DataGuard.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Backup;

/// <summary>
/// Runs scheduled backups in the host: logical ones on <c>Backup:Schedule</c>, and base backups on
/// <c>Pitr:BaseBackupSchedule</c> when point-in-time recovery is enabled. One per cron slot across every replica (a shared
/// lock, then a check that no backup of that kind exists for the slot), a missed slot at start-up, failures retried with backoff.
/// </summary>
internal sealed class BackupScheduler : BackgroundService
{
    /// <summary>The name of the lock that makes one replica run each slot.</summary>
    public const string LockName = "dataguard.backup.schedule";

    private readonly BackupService _backups;
    private readonly HashSet<string> _kinds;
    private readonly BackupRunState _state;
    private readonly IDistributedLock _lock;
    private readonly BackupOptions _options;
    private readonly PitrOptions _pitr;
    private readonly string _timeZone;
    private readonly TimeProvider _time;
    private readonly ILogger<BackupScheduler> _logger;

    /// <summary>Initializes a new instance of the <see cref="BackupScheduler"/> class.</summary>
    /// <param name="backups">The backup service.</param>
    /// <param name="providers">The backup providers registered (a kind no provider makes is not scheduled in this host).</param>
    /// <param name="state">Where run outcomes are recorded.</param>
    /// <param name="distributedLock">The lock shared by the replicas.</param>
    /// <param name="options">The backup options.</param>
    /// <param name="pitr">The point-in-time recovery options (base backup schedule).</param>
    /// <param name="root">DataGuard's own options (the time zone schedules are read in).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public BackupScheduler(BackupService backups, IEnumerable<IBackupProvider> providers, BackupRunState state, IDistributedLock distributedLock, IOptions<BackupOptions> options, IOptions<PitrOptions> pitr, IOptions<DataGuardOptions> root, TimeProvider time, ILogger<BackupScheduler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pitr);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(providers);
        _backups = backups;
        _kinds = providers.Select(p => p.Kind).ToHashSet(StringComparer.Ordinal);
        _state = state;
        _lock = distributedLock;
        _options = options.Value;
        _pitr = pitr.Value;
        _timeZone = root.Value.TimeZone;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs the logical backup of one slot, unless another replica holds the lock or already made it.</summary>
    /// <param name="slot">The slot.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The manifest made, or <see langword="null"/> when this replica did not make one.</returns>
    public Task<BackupManifest?> RunSlotAsync(DateTimeOffset slot, CancellationToken cancellationToken) => RunSlotAsync("logical", slot, cancellationToken);

    /// <summary>Runs the backup of a kind for one slot, unless another replica holds the lock or already made it.</summary>
    /// <param name="kind">logical or physical.</param>
    /// <param name="slot">The slot.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The manifest made, or <see langword="null"/> when this replica did not make one.</returns>
    public async Task<BackupManifest?> RunSlotAsync(string kind, DateTimeOffset slot, CancellationToken cancellationToken)
    {
        var handle = await _lock.TryAcquireAsync($"{LockName}.{kind}", cancellationToken).ConfigureAwait(false);
        if (handle is null)
        {
            BackupLog.SlotTakenElsewhere(_logger, slot);
            return null;
        }

        await using (handle.ConfigureAwait(false))
        {
            var catalog = await _backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
            if (catalog.Backups.Any(b => b.Kind == kind && b.ScheduledFor == slot))
            {
                BackupLog.SlotTakenElsewhere(_logger, slot);
                return null;
            }

            return await RunWithRetriesAsync(kind, slot, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The slot missed while the host was down, if the newest backup is older than one interval.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="cancellationToken">Cancels the catalog read.</param>
    /// <returns>The latest slot at or before now that has no backup, or <see langword="null"/>.</returns>
    public Task<DateTimeOffset?> FindMissedSlotAsync(CronSchedule schedule, CancellationToken cancellationToken) => FindMissedSlotAsync("logical", schedule, cancellationToken);

    /// <summary>The slot of a kind missed while the host was down, if its newest backup is older than one interval.</summary>
    /// <param name="kind">logical or physical.</param>
    /// <param name="schedule">The schedule.</param>
    /// <param name="cancellationToken">Cancels the catalog read.</param>
    /// <returns>The latest slot at or before now that has no backup, or <see langword="null"/>.</returns>
    public async Task<DateTimeOffset?> FindMissedSlotAsync(string kind, CronSchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var now = _time.GetUtcNow();
        var catalog = await _backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        var newest = catalog.Backups.Where(b => b.Kind == kind && b.Status != BackupStatus.VerificationFailed).Select(b => b.StartedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        var from = newest == DateTimeOffset.MinValue ? now.AddDays(-366) : newest;
        DateTimeOffset? missed = null;
        for (var next = schedule.GetNextOccurrence(from); next is { } slot && slot <= now; next = schedule.GetNextOccurrence(slot))
        {
            missed = slot;
        }

        return missed;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedules = new List<Task> { RunScheduleAsync("logical", _options.Schedule, stoppingToken) };
        if (_pitr.Enabled)
        {
            schedules.Add(RunScheduleAsync("physical", _pitr.BaseBackupSchedule, stoppingToken));
        }

        return Task.WhenAll(schedules);
    }

    private async Task RunScheduleAsync(string kind, string? cron, CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            return;
        }

        if (!_kinds.Contains(kind))
        {
            // A host that only runs retention, exports or drills: its backups are made elsewhere (or nowhere, which the
            // backup health check reports), not attempted here and failed every night.
            BackupLog.ScheduleWithoutProvider(_logger, kind);
            return;
        }

        var schedule = CronSchedule.Parse(cron, _timeZone);
        try
        {
            if (await FindMissedSlotAsync(kind, schedule, stoppingToken).ConfigureAwait(false) is { } missed)
            {
                await RunSlotSafelyAsync(kind, missed, stoppingToken).ConfigureAwait(false);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var next = schedule.GetNextOccurrence(_time.GetUtcNow());
                if (next is null)
                {
                    return;
                }

                BackupLog.NextRun(_logger, next.Value);
                var delay = next.Value - _time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }

                await RunSlotSafelyAsync(kind, next.Value, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task RunSlotSafelyAsync(string kind, DateTimeOffset slot, CancellationToken cancellationToken)
    {
        try
        {
            await RunSlotAsync(kind, slot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // RunWithRetriesAsync logged and recorded it; the scheduler goes on with the next slot.
            _state.Record(_time.GetUtcNow(), ex.Message);
        }
    }

    private async Task<BackupManifest> RunWithRetriesAsync(string kind, DateTimeOffset slot, CancellationToken cancellationToken)
    {
        var delay = _options.Retry.InitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var manifest = await _backups.RunAsync(kind, slot, progress: null, cancellationToken).ConfigureAwait(false);
                _state.Record(_time.GetUtcNow(), null);
                return manifest;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (attempt >= _options.Retry.Attempts)
                {
                    BackupLog.ScheduledFailed(_logger, slot, attempt, ex);
                    _state.Record(_time.GetUtcNow(), ex.Message);
                    throw;
                }

                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }
}
