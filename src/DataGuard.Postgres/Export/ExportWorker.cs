using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Export;

/// <summary>The hosted export worker: builds pending jobs as they arrive (woken by requests from this host, else every <see cref="ExportOptions.PollInterval"/>) and expires old artifacts. Safe with several replicas.</summary>
internal sealed class ExportWorker : BackgroundService
{
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(10);
    private readonly ExportJobRunner _runner;
    private readonly ExportJobs _jobs;
    private readonly IOptions<ExportOptions> _options;
    private readonly IOptions<PostgresOptions> _postgres;
    private readonly TimeProvider _time;
    private readonly ILogger<ExportWorker> _logger;

    /// <summary>Initializes a new instance of the <see cref="ExportWorker"/> class.</summary>
    /// <param name="runner">The job runner.</param>
    /// <param name="jobs">The job store (its signal wakes the worker).</param>
    /// <param name="options">The export options.</param>
    /// <param name="postgres">The PostgreSQL options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public ExportWorker(ExportJobRunner runner, ExportJobs jobs, IOptions<ExportOptions> options, IOptions<PostgresOptions> postgres, TimeProvider time, ILogger<ExportWorker> logger)
    {
        _runner = runner;
        _jobs = jobs;
        _options = options;
        _postgres = postgres;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.Value;
        if (!options.WorkerEnabled || string.IsNullOrWhiteSpace(options.Subject.Table) || string.IsNullOrWhiteSpace(_postgres.Value.ConnectionString))
        {
            return;
        }

        var lastCleanup = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _runner.RunPendingAsync(stoppingToken).ConfigureAwait(false);
                if (_time.GetUtcNow() - lastCleanup > CleanupEvery)
                {
                    await _runner.CleanupAsync(stoppingToken).ConfigureAwait(false);
                    lastCleanup = _time.GetUtcNow();
                }

                await _jobs.Signal.WaitAsync(options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ExportLog.PassFailed(_logger, ex);
                await Task.Delay(options.PollInterval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
