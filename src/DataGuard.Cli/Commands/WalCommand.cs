using System.CommandLine;
using DataGuard.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary>
/// <c>dataguard wal push %p</c> (PostgreSQL's <c>archive_command</c>) and <c>dataguard wal fetch %f %p</c>
/// (<c>restore_command</c>). Quiet on success; exit 0 only once the push is durable. <c>wal fetch</c> exits
/// <see cref="ExitCodes.WalNotFound"/> only when the file does not exist (recovery ends there) and
/// <see cref="ExitCodes.WalFetchFailed"/> on every other failure, so that PostgreSQL aborts recovery instead.
/// </summary>
internal static class WalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("wal", "Archive and restore WAL files (archive_command / restore_command).");
        command.Subcommands.Add(Push(output));
        command.Subcommands.Add(Archiver(output, error));
        command.Subcommands.Add(Fetch(error));
        command.Subcommands.Add(Prefetch(output));
        command.Subcommands.Add(Status(output));
        return command;
    }

    private static Command Status(TextWriter output)
    {
        var command = new Command("status", "Show the restorable window and any gaps in the WAL archive; exit 1 on a gap.");
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var status = await services.GetRequiredService<WalArchiveInspector>().InspectAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(status));
            }
            else
            {
                await output.WriteLineAsync($"Base backups (verified): {status.BaseBackups}");
                await output.WriteLineAsync($"Restorable from:         {status.EarliestRestorableTime?.ToString("O") ?? "(no base backup)"}");
                await output.WriteLineAsync($"Restorable to about:     {status.LatestRestorableTime?.ToString("O") ?? "(no WAL archived)"}");
                foreach (var timeline in status.Timelines)
                {
                    await output.WriteLineAsync($"Timeline {timeline.Timeline}: {timeline.Segments} segments, {timeline.First} .. {timeline.Last}");
                    foreach (var gap in timeline.Gaps)
                    {
                        await output.WriteLineAsync($"  GAP: {gap.From}{(gap.Count > 1 ? $" .. {gap.To} ({gap.Count} segments)" : string.Empty)} missing");
                    }
                }

                await output.WriteLineAsync(status.HasGaps ? "The archive has gaps: recovery cannot pass them." : "No gaps.");
            }

            return status.HasGaps ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    private static Command Push(TextWriter output)
    {
        var path = new Argument<string>("path") { Description = "The WAL file to archive (archive_command's %p)." };
        var command = new Command("push", "Compress, (encrypt,) checksum and upload a WAL file; idempotent; never overwrites different content.") { path };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(path)!;
            if (!File.Exists(file))
            {
                throw new CliUsageException($"WAL file '{file}' does not exist.");
            }

            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var result = await services.GetRequiredService<WalArchive>().PushAsync(file, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Archiver(TextWriter output, TextWriter error)
    {
        var spool = new Option<string>("--spool") { Description = "The spool folder archive_command copies WAL into; with --pg-data, the folder of records archive_command waits for.", Required = true };
        var pgData = new Option<string?>("--pg-data") { Description = "Look-ahead archiving: push the files PostgreSQL marked ready in this data directory's pg_wal, in parallel, ahead of its archiver (no copy into a spool)." };
        var parallel = new Option<int>("--parallel") { Description = "Files pushed at the same time.", DefaultValueFactory = _ => 4 };
        var once = new Option<bool>("--once") { Description = "Push what is spooled (or ready) now, then exit (1 if a file failed)." };
        var print = new Option<bool>("--print-archive-command") { Description = "Print the archive_command for this archiver (the spool's: copy, fsync, rename, fsync the folder; with --pg-data: wait for the archiver's record), then exit." };
        var command = new Command("archiver", "Asynchronous WAL archiving: push the files archive_command spooled (or, with --pg-data, the files PostgreSQL marked ready) in parallel, each only acknowledged once durable in storage; runs until stopped.") { spool, pgData, parallel, once, print };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(spool)!;
            var dataDirectory = parse.GetValue(pgData);
            if (parse.GetValue(print))
            {
                try
                {
                    await output.WriteLineAsync(dataDirectory is null ? WalSpoolArchiver.ArchiveCommand(folder) : WalReadyArchiver.ArchiveCommand(folder));
                }
                catch (ArgumentException ex)
                {
                    throw new CliUsageException(ex.Message);
                }

                return ExitCodes.Success;
            }

            if (!Directory.Exists(folder))
            {
                throw new CliUsageException($"The {(dataDirectory is null ? "spool" : "records")} folder '{folder}' does not exist.");
            }

            if (parse.GetValue(parallel) < 1)
            {
                throw new CliUsageException($"--parallel must be 1 or more (it was {parse.GetValue(parallel)}).");
            }

            if (dataDirectory is not null)
            {
                return await RunReadyArchiverAsync(parse, dataDirectory, folder, output, ct);
            }

            // The spool holds whole WAL segments (every change to the database) until they are pushed.
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(folder) & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute | UnixFileMode.OtherWrite)) != 0)
            {
                await error.WriteLineAsync($"dataguard: warning: the spool folder '{folder}' is open to every local user (mode {Convert.ToString((int)File.GetUnixFileMode(folder), 8)}); WAL holds all your data: chmod 700 it.");
            }

            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var archiver = services.GetRequiredService<WalSpoolArchiver>();
            if (parse.GetValue(once))
            {
                var (archived, failed) = await archiver.RunOnceAsync(folder, parse.GetValue(parallel), ct);
                await output.WriteLineAsync($"{archived} WAL file(s) archived, {failed} failed (left in {folder}).");
                return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
            }

            try
            {
                await archiver.RunAsync(folder, parse.GetValue(parallel), TimeSpan.FromMilliseconds(100), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped (Ctrl+C or the service manager): every file still spooled is pushed on the next start.
            }

            return ExitCodes.Success;
        });
        return command;

        async Task<int> RunReadyArchiverAsync(ParseResult parse, string dataDirectory, string records, TextWriter output, CancellationToken ct)
        {
            if (!OperatingSystem.IsLinux())
            {
                throw new CliUsageException("--pg-data (look-ahead archiving) needs Linux; use the spool (without --pg-data).");
            }

            if (!Directory.Exists(Path.Combine(dataDirectory, "pg_wal", "archive_status")))
            {
                throw new CliUsageException($"'{dataDirectory}' is not a PostgreSQL data directory (it has no pg_wal/archive_status).");
            }

            try
            {
                WalReadyArchiver.EnsureRecordsFolder(records);
            }
            catch (InvalidOperationException ex)
            {
                throw new CliUsageException(ex.Message);
            }

            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var archiver = services.GetRequiredService<WalReadyArchiver>();
            if (parse.GetValue(once))
            {
                var (archived, failed) = await archiver.RunOnceAsync(dataDirectory, records, parse.GetValue(parallel), ct);
                await output.WriteLineAsync($"{archived} WAL file(s) pushed and recorded for archive_command, {failed} failed (PostgreSQL keeps them).");
                return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
            }

            try
            {
                await archiver.RunAsync(dataDirectory, records, parse.GetValue(parallel), TimeSpan.FromMilliseconds(50), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped: PostgreSQL keeps every file not yet archived marked ready; the next start pushes it.
            }

            return ExitCodes.Success;
        }
    }

    private static Command Fetch(TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The WAL file's name (restore_command's %f)." };
        var destination = new Argument<string>("destination") { Description = "Where to write it (restore_command's %p)." };
        var command = new Command(
            "fetch",
            $"Download, verify and decompress an archived WAL file. Exit {ExitCodes.WalNotFound} only when it is not archived (recovery ends there); exit {ExitCodes.WalFetchFailed} on any other failure (PostgreSQL then aborts recovery instead of promoting early).")
        {
            name,
            destination,
        };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(name)!;
            try
            {
                var target = parse.GetValue(destination)!;
                await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
                if (await TakePrefetchedAsync(services, file, target, parse.GetValue(GlobalOptions.Config), error))
                {
                    return ExitCodes.Success;
                }

                await services.GetRequiredService<WalArchive>().FetchAsync(file, target, ct);
                return ExitCodes.Success;
            }
            catch (WalSegmentNotFoundException ex)
            {
                await error.WriteLineAsync(CliLogging.Scrub($"dataguard: wal fetch {OneLine(file)}: {OneLine(ex.Message)}"));
                return ExitCodes.WalNotFound;
            }
            catch (Exception ex)
            {
                await error.WriteLineAsync(CliLogging.Scrub($"dataguard: wal fetch {OneLine(file)} FAILED (exit {ExitCodes.WalFetchFailed}: recovery must not end here): {OneLine(DescribeFetchFailure(ex, ct))}"));
                return ExitCodes.WalFetchFailed;
            }
        });
        return command;
    }

    /// <summary>
    /// The prefetcher's part of <c>wal fetch</c>, in a recovering data directory with <c>Pitr:WalPrefetch</c> on: take the
    /// segment from the spool when it is there (a rename), otherwise tell the prefetcher where recovery is; either way
    /// start the prefetcher when none runs. A problem here never fails the fetch: the archive is asked instead.
    /// </summary>
    private static async Task<bool> TakePrefetchedAsync(IServiceProvider services, string name, string destination, string? configFile, TextWriter error)
    {
        if (services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PitrOptions>>().Value.WalPrefetch <= 0
            || !WalFileName.IsSegment(name)
            || WalPrefetchSpool.ForDestination(destination) is not { } spool)
        {
            return false;
        }

        try
        {
            var taken = spool.TryTake(name, destination);
            if (!taken)
            {
                spool.WriteRequest(name);
            }

            WalPrefetchLauncher.EnsureRunning(spool, name, configFile);
            return taken;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: warning: wal fetch {OneLine(name)}: WAL prefetching is unavailable ({OneLine(ex.Message)}); fetching from the archive."));
            return false;
        }
    }

    private static Command Prefetch(TextWriter output)
    {
        var dataDirectory = new Option<string>("--data-dir") { Description = "The data directory in recovery.", Required = true };
        var from = new Option<string>("--from") { Description = "The segment recovery asked for; the prefetcher fetches the ones after it.", Required = true };
        var command = new Command(
            "prefetch",
            "The background WAL prefetcher 'wal fetch' starts during recovery: keeps the next Pitr:WalPrefetch segments downloaded, verified and decompressed in pg_wal/.dataguard-prefetch; removes it and exits when recovery ends, the server stops or recovery is idle.")
        {
            dataDirectory,
            from,
        };
        command.SetAction(async (parse, ct) =>
        {
            var spool = WalPrefetchSpool.ForDataDirectory(parse.GetValue(dataDirectory)!);
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var reason = await services.GetRequiredService<WalPrefetcher>().RunAsync(spool, parse.GetValue(from)!, ct);
            await output.WriteLineAsync(reason is null ? "dataguard: wal prefetch: a prefetcher already runs for this data directory." : $"dataguard: wal prefetch stopped: {reason}.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Whether a parsed command is <c>wal fetch</c>, whose every failure must exit <see cref="ExitCodes.WalFetchFailed"/>.</summary>
    internal static bool IsFetch(Command command) => command.Name == "fetch" && command.Parents.OfType<Command>().Any(p => p.Name == "wal");

    private static string DescribeFetchFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => "cancelled (the server is shutting down?)",
        OperationCanceledException => $"timed out: {exception.Message}",
        Microsoft.Extensions.Options.OptionsValidationException options => $"the configuration is invalid: {string.Join(" ", options.Failures)}",
        DataGuardException or CliUsageException or ArgumentException => exception.Message,
        IOException => $"I/O error: {exception.Message}",
        UnauthorizedAccessException => $"access denied: {exception.Message}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
