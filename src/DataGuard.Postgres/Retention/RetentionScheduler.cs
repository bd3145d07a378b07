using DataGuard.Options;
using DataGuard.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Retention;

/// <summary>Runs the retention policies at each slot of <c>DataGuard:Retention:Schedule</c>; one replica per run (the runner's lock).</summary>
public sealed partial class RetentionScheduler : BackgroundService
{
    private readonly RetentionRunner _runner;
    private readonly IOptions<RetentionOptions> _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<RetentionScheduler> _logger;

    /// <summary>Initializes a new instance of the <see cref="RetentionScheduler"/> class.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="options">The retention options.</param>
    /// <param name="services">The services, for the time zone.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public RetentionScheduler(RetentionRunner runner, IOptions<RetentionOptions> options, IServiceProvider services, TimeProvider time, ILogger<RetentionScheduler> logger)
    {
        _runner = runner;
        _options = options;
        _services = services;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.Value;
        if (options.Policies.Count == 0 || string.IsNullOrWhiteSpace(options.Schedule))
        {
            return;
        }

        var zone = DataGuard.DependencyInjection.UnvalidatedOptions.Create<DataGuardOptions>(_services).Backup.TimeZone;
        var schedule = CronSchedule.Parse(options.Schedule, zone);
        try
        {
            while (!stoppingToken.IsCancellationRequested && schedule.GetNextOccurrence(_time.GetUtcNow()) is { } next)
            {
                var delay = next - _time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }

                try
                {
                    await _runner.RunAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DataGuardException or Npgsql.NpgsqlException)
                {
                    RunFailed(_logger, next, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(1400, LogLevel.Error, "Scheduled retention run for {Slot} failed")]
    private static partial void RunFailed(ILogger logger, DateTimeOffset slot, Exception exception);
}
