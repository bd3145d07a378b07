using DataGuard.Coordination;
using DataGuard.Postgres.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Drills;

/// <summary>Runs a restore drill at each slot of <c>DataGuard:Drills:Schedule</c> (quarterly by default); one replica per slot (an advisory lock).</summary>
internal sealed class DrillScheduler : CronBackgroundService
{
    private readonly DrillService _drills;
    private readonly IOptions<DrillOptions> _options;
    private readonly IDistributedLock _lock;
    private readonly ILogger<DrillScheduler> _logger;

    /// <summary>Initializes a new instance of the <see cref="DrillScheduler"/> class.</summary>
    /// <param name="drills">The drills.</param>
    /// <param name="options">The drill options.</param>
    /// <param name="distributedLock">The lock that makes one replica drill.</param>
    /// <param name="root">DataGuard's own options (the time zone).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public DrillScheduler(DrillService drills, IOptions<DrillOptions> options, IDistributedLock distributedLock, IOptions<DataGuard.Configuration.DataGuardOptions> root, TimeProvider time, ILogger<DrillScheduler> logger)
        : base(root, time)
    {
        _drills = drills;
        _options = options;
        _lock = distributedLock;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override string? Schedule => _options.Value.Schedule;

    /// <inheritdoc />
    protected override async Task RunOnceAsync(DateTimeOffset slot, CancellationToken cancellationToken)
    {
        var handle = await _lock.TryAcquireAsync("dataguard.drill", cancellationToken).ConfigureAwait(false);
        if (handle is null)
        {
            return;
        }

        await using (handle.ConfigureAwait(false))
        {
            _ = _options.Value.Kind == "physical"
                ? await _drills.RunPhysicalAsync(cancellationToken).ConfigureAwait(false)
                : await _drills.RunAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override void OnFailed(DateTimeOffset slot, Exception exception) => DrillLog.ScheduledFailed(_logger, slot, exception);
}
