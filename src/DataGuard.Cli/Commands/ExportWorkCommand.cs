using System.CommandLine;
using System.Globalization;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Cli.Commands;

/// <summary>
/// <c>dataguard export work [--once]</c>: builds queued self-service export jobs outside the application's host, with the
/// same <see cref="ExportJobRunner"/> the hosted worker uses (claims with <c>FOR UPDATE SKIP LOCKED</c>, heartbeats,
/// completion only while holding the claim), so it may run next to the hosts' workers.
/// </summary>
internal static class ExportWorkCommand
{
    /// <summary>How often the resident worker also expires old artifacts and sweeps leftovers, as the hosted worker does.</summary>
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(10);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var once = new Option<bool>("--once") { Description = "Build the jobs waiting now until the queue is empty, expire old artifacts and sweep leftovers, then exit." };
        var work = new Command("work", "Build queued export jobs (the hosted export worker, as a process of its own); runs until stopped (Ctrl+C), or once with --once.") { once };
        work.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var options = services.GetRequiredService<IOptions<ExportOptions>>().Value;
            if (string.IsNullOrWhiteSpace(options.Subject.Table))
            {
                throw new CliUsageException($"{ExportOptions.SectionPath}:Subject:Table is not configured: export jobs cannot be built without the subject table.");
            }

            var runner = services.GetRequiredService<ExportJobRunner>();
            var postgres = DataGuard.Postgres.PostgresTarget.Describe(services.GetRequiredService<IOptions<DataGuard.Postgres.PostgresOptions>>().Value.ConnectionString);
            if (parse.GetValue(once))
            {
                try
                {
                    var attempts = await runner.RunPendingAsync(ct);
                    var expired = await runner.CleanupAsync(ct);
                    var queue = await services.GetRequiredService<ExportJobs>().StatsAsync(ct);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{attempts} export attempt(s) made, {expired} job(s) expired; queue now: {queue.Pending} pending (a failed attempt is retried after {options.StaleAfter}), {queue.Running} running, {queue.FailedLastDay} failed in the last day."));
                    return ExitCodes.Success;
                }
                catch (Npgsql.NpgsqlException ex)
                {
                    throw new DataGuardException($"The export pass stopped: PostgreSQL at {postgres} failed: {ex.Message}. A job it was building is taken again by the next worker once its claim is {options.StaleAfter} old; nothing is handed out from a job that did not finish.", ex) { Operation = "export.work" };
                }
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Export worker started: polling every {options.PollInterval.TotalSeconds:0.#} s; Ctrl+C stops it (a job being built is picked up again by the next worker)."));
            var lastCleanup = DateTimeOffset.MinValue;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var attempts = await runner.RunPendingAsync(ct);
                    if (attempts > 0)
                    {
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{TimeProvider.System.GetUtcNow():O} {attempts} export attempt(s) made."));
                    }

                    if (TimeProvider.System.GetUtcNow() - lastCleanup > CleanupEvery)
                    {
                        await runner.CleanupAsync(ct);
                        lastCleanup = TimeProvider.System.GetUtcNow();
                    }

                    await Task.Delay(options.PollInterval, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is DataGuardException or Npgsql.NpgsqlException or IOException or TimeoutException)
                {
                    // PostgreSQL or the storage is away: say so and try again, as the hosted worker does.
                    var where = ex is Npgsql.NpgsqlException ? $"PostgreSQL at {postgres} failed: " : string.Empty;
                    await error.WriteLineAsync(CliLogging.Scrub($"dataguard: export pass failed, trying again in {options.PollInterval.TotalSeconds:0.#} s: {where}{ex.Message}"));
                    await Task.Delay(options.PollInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }

            await output.WriteLineAsync("Export worker stopped.");
            return ExitCodes.Success;
        });
        return work;
    }
}
