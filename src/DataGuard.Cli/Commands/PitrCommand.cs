using System.CommandLine;
using System.Globalization;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard pitr restore ...</c> and <c>dataguard pitr mark NAME</c>.</summary>
internal static class PitrCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("pitr", "Point-in-time recovery: restore a base backup plus archived WAL to a time, LSN or restore point.");
        command.Subcommands.Add(Restore(output, error));
        command.Subcommands.Add(Mark(output));
        return command;
    }

    private static Command Restore(TextWriter output, TextWriter error)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "The new data directory (must not exist or be empty).", Required = true };
        var time = new Option<string?>("--time") { Description = "Recover to this time (ISO 8601, e.g. 2026-11-26T14:05:00Z)." };
        var lsn = new Option<string?>("--lsn") { Description = "Recover to this WAL position (X/Y)." };
        var name = new Option<string?>("--name") { Description = "Recover to this named restore point (dataguard pitr mark)." };
        var latest = new Option<bool>("--latest") { Description = "Replay all archived WAL." };
        var port = new Option<int?>("--port") { Description = "The port of the restored server." };
        var start = new Option<bool>("--start") { Description = "Start the server and wait until recovery reaches the target." };
        var promote = new Option<bool>("--promote") { Description = "Open the server read-write at the target (default: pause there, read-only, to inspect first)." };
        var restoreCommand = new Option<string?>("--restore-command") { Description = "PostgreSQL's restore_command; default: this dataguard with 'wal fetch %f %p --config FILE'." };
        var noIsolate = new Option<bool>("--no-isolate") { Description = "Start the copy with production's settings (for a copy that becomes the primary): by default it listens on 127.0.0.1 only, runs no logical replication workers or pg_cron, and its subscriptions are disabled once promoted. The copy never archives WAL either way." };
        var command = new Command("restore", "Restore the newest base backup before the target into a data directory and set up recovery.") { dataDir, time, lsn, name, latest, port, start, promote, restoreCommand, noIsolate };
        command.Validators.Add(result =>
        {
            var targets = new[] { result.GetValue(time) is not null, result.GetValue(lsn) is not null, result.GetValue(name) is not null, result.GetValue(latest) }.Count(x => x);
            if (targets != 1)
            {
                result.AddError("Give exactly one of --time, --lsn, --name and --latest.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            var target = parse.GetValue(time) is { } t ? PitrTarget.AtTime(ParseTime(t))
                : parse.GetValue(lsn) is { } l ? PitrTarget.AtLsn(l)
                : parse.GetValue(name) is { } n ? PitrTarget.AtRestorePoint(n)
                : PitrTarget.Latest;
            var request = new PitrRestoreRequest
            {
                DataDirectory = parse.GetValue(dataDir)!,
                Target = target,
                RestoreCommand = parse.GetValue(restoreCommand) ?? DefaultRestoreCommand(parse.GetValue(GlobalOptions.Config)),
                Port = parse.GetValue(port),
                Start = parse.GetValue(start),
                Promote = parse.GetValue(promote),
                Isolate = !parse.GetValue(noIsolate),
            };
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            using var progress = new CliProgress(error, json);
            var result = await services.GetRequiredService<PitrRestoreService>().RestoreAsync(request, progress, ct);
            progress.Dispose();
            if (json)
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
            }
            else
            {
                await output.WriteLineAsync($"Restored base backup {result.BaseBackupId} into {result.DataDirectory} for {result.Target} ({result.DurationSeconds:F1} s).");
                await output.WriteLineAsync(result.Started
                    ? $"Server {result.State}; recovered to LSN {result.ReachedLsn} (segment {result.ReachedSegment}){ArchiveEnd(result)}, last transaction at {result.ReachedTime:O}."
                    : "Not started: start it with pg_ctl -D DIR start (as the postgres user); recovery begins at start.");
                if (result.Isolation is { } isolation)
                {
                    await output.WriteLineAsync($"Isolated: {isolation}.");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string ArchiveEnd(PitrRestoreResult result) => result.ArchiveEnd is { } end
        ? $", archive ends at {end}"
        : result.Target == PitrTarget.Latest.ToString() ? ", the archive holds no WAL segment" : string.Empty;

    private static Command Mark(TextWriter output)
    {
        var name = new Argument<string>("name") { Description = "The restore point's name (letters, digits, '-', '_', '.')." };
        var command = new Command("mark", "Create a named restore point (pg_create_restore_point) and record it.") { name };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var point = await services.GetRequiredService<RestorePoints>().MarkAsync(parse.GetValue(name)!, ct);
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json)
                ? CliJson.Serialize(point)
                : $"Restore point '{point.Name}' at LSN {point.Lsn} ({point.CreatedAt:O}).");
            return ExitCodes.Success;
        });
        return command;
    }

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CliUsageException($"--time '{text}' is not a time (use ISO 8601, such as 2026-11-26T14:05:00Z).");

    /// <summary>This very dataguard, run by the server as restore_command, with the same configuration file.</summary>
    internal static string DefaultRestoreCommand(string? configFile)
    {
        var config = Path.GetFullPath(configFile ?? GlobalOptions.DefaultConfigFile);
        if (!File.Exists(config))
        {
            throw new CliUsageException("pitr restore needs a configuration file the server can read (--config FILE), for its restore_command; or give --restore-command.");
        }

        return RestoreCommandFor(CliSelf.Invocation(), config);
    }

    /// <summary>restore_command running <paramref name="self"/> (program and leading arguments) with <paramref name="config"/>: every path single-quoted for the shell, % doubled for PostgreSQL.</summary>
    internal static string RestoreCommandFor(IReadOnlyList<string> self, string config)
    {
        string fetch;
        try
        {
            fetch = $"{string.Join(' ', self.Select(DataGuard.Pitr.PostgresShellQuoting.Quote))} wal fetch %f %p --config {DataGuard.Pitr.PostgresShellQuoting.Quote(config)}";
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"restore_command cannot be built: {ex.Message}");
        }

        // Segments the prefetcher has ready are renamed into place by the shell; anything else is fetched (and the prefetcher started).
        return DataGuard.Pitr.WalPrefetchSpool.BootId() is null ? fetch : DataGuard.Pitr.WalPrefetchSpool.FastRestoreCommand(fetch);
    }
}
