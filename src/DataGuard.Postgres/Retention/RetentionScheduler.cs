using DataGuard.Postgres.Scheduling;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Retention;

/// <summary>Runs the retention policies at each slot of <c>DataGuard:Retention:Schedule</c>; one replica per run (the runner's lock).</summary>
internal sealed partial class RetentionScheduler : CronBackgroundService
{
    private readonly RetentionRunner _runner;
    private readonly IOptions<RetentionOptions> _options;
    private readonly ILogger<RetentionScheduler> _logger;

    /// <summary>Initializes a new instance of the <see cref="RetentionScheduler"/> class.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="options">The retention options.</param>
    /// <param name="root">DataGuard's own options (the time zone).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public RetentionScheduler(RetentionRunner runner, IOptions<RetentionOptions> options, IOptions<DataGuard.Configuration.DataGuardOptions> root, TimeProvider time, ILogger<RetentionScheduler> logger)
        : base(root, time)
    {
        _runner = runner;
        _options = options;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override string? Schedule => _options.Value.Policies.Count == 0 ? null : _options.Value.Schedule;

    /// <inheritdoc />
    protected override Task RunOnceAsync(DateTimeOffset slot, CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken: cancellationToken);

    /// <inheritdoc />
    protected override void OnFailed(DateTimeOffset slot, Exception exception) => RunFailed(_logger, slot, exception);

    [LoggerMessage(DataGuardEventIds.RetentionScheduledRunFailed, LogLevel.Error, "Scheduled retention run for {Slot} failed")]
    private static partial void RunFailed(ILogger logger, DateTimeOffset slot, Exception exception);
}
