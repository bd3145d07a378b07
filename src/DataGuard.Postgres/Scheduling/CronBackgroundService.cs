using DataGuard.Configuration;
using DataGuard.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Scheduling;

/// <summary>Runs a job at each slot of a cron schedule (in <c>DataGuard:TimeZone</c>); an empty schedule turns it off. A failed run is reported and the next slot comes.</summary>
internal abstract class CronBackgroundService : BackgroundService
{
    private readonly string _timeZone;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="CronBackgroundService"/> class.</summary>
    /// <param name="root">DataGuard's own options: the time zone schedules are read in.</param>
    /// <param name="time">The clock.</param>
    protected CronBackgroundService(IOptions<DataGuardOptions> root, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(root);
        _timeZone = root.Value.TimeZone;
        _time = time;
    }

    /// <summary>Gets the cron schedule, or <see langword="null"/> when the job is off.</summary>
    protected abstract string? Schedule { get; }

    /// <summary>Runs the job once.</summary>
    /// <param name="slot">The slot.</param>
    /// <param name="cancellationToken">Stops the job.</param>
    /// <returns>A task that completes when the job is done.</returns>
    protected abstract Task RunOnceAsync(DateTimeOffset slot, CancellationToken cancellationToken);

    /// <summary>Reports a failed run.</summary>
    /// <param name="slot">The slot.</param>
    /// <param name="exception">What went wrong.</param>
    protected abstract void OnFailed(DateTimeOffset slot, Exception exception);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(Schedule))
        {
            return;
        }

        var schedule = CronSchedule.Parse(Schedule, _timeZone);
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
                    await RunOnceAsync(next, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DataGuardException or Npgsql.NpgsqlException)
                {
                    OnFailed(next, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
