using System.CommandLine;
using System.Globalization;
using DataGuard.Supabase.Management;
using DataGuard.Supabase.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary>
/// <c>dataguard supabase status</c>, <c>supabase pitr restore --time T --confirm</c> and
/// <c>supabase storage backup | list | restore</c>. Needs a <c>DataGuard:Supabase</c> section in the configuration.
/// </summary>
internal static class SupabaseCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("supabase", "Supabase: the platform's backups and PITR (Management API), and copies of Storage buckets.");
        command.Subcommands.Add(Status(output));
        command.Subcommands.Add(Pitr(output));
        command.Subcommands.Add(Storage(output));
        return command;
    }

    private static Command Status(TextWriter output)
    {
        var status = new Command("status", "The project's status, the platform's newest backup against the RPO, PITR and its window, the PITR add-on.");
        status.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var report = await services.GetRequiredService<SupabasePlatformStatus>().GetAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(report));
            }
            else
            {
                await output.WriteLineAsync($"project   {report.ProjectRef} {report.ProjectStatus} (PostgreSQL {report.DatabaseVersion ?? "?"}, {report.Region ?? "?"})");
                await output.WriteLineAsync($"backups   {report.CompletedBackups} completed platform backups, newest {(report.LatestCompletedBackup is { } latest ? $"{latest:u} ({report.LatestBackupAge!.Value.TotalHours:F1} h ago)" : "none")}");
                await output.WriteLineAsync($"pitr      {(report.PitrEnabled ? $"on, {report.EarliestRecoveryPoint:u} to {report.LatestRecoveryPoint:u}" : "off")}{(report.PitrAddon is null ? string.Empty : $", add-on {report.PitrAddon}")}");
                foreach (var problem in report.Problems)
                {
                    await output.WriteLineAsync($"FAIL      {problem}");
                }

                foreach (var warning in report.Warnings)
                {
                    await output.WriteLineAsync($"WARN      {warning}");
                }

                await output.WriteLineAsync(report.Healthy ? "The platform's backups meet the RPO." : "Something needs attention.");
            }

            return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
        });
        return status;
    }

    private static Command Pitr(TextWriter output)
    {
        var time = new Option<string>("--time") { Description = "The recovery time (ISO 8601, such as 2026-11-26T14:05:00Z).", Required = true };
        var confirm = new Option<bool>("--confirm") { Description = "Confirms that the project's database is to be replaced by its state at --time (everything after it is lost)." };
        var timeout = new Option<int>("--timeout-minutes") { Description = "How long to follow the restore (default 120).", DefaultValueFactory = _ => 120 };
        var restore = new Command("restore", "Ask the platform to restore the project to a point in time (PITR add-on), then follow it until the project is healthy; prints the measured duration.") { time, confirm, timeout };
        restore.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(time)!;
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var target))
            {
                throw new CliUsageException($"--time '{text}' is not a time (use ISO 8601, such as 2026-11-26T14:05:00Z).");
            }

            if (!parse.GetValue(confirm))
            {
                throw new CliUsageException($"A platform PITR restore replaces the project's database with its state at {target:u}; everything written after it is lost. Nothing was asked. Repeat with --confirm.");
            }

            await using var services = Build(parse);
            var result = await services.GetRequiredService<SupabasePlatformStatus>().RestorePitrAsync(target, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(parse.GetValue(timeout)), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
            }
            else
            {
                await output.WriteLineAsync($"restored to {result.Target:u} in {result.Duration.TotalMinutes:F1} min ({string.Join(" -> ", result.Statuses)})");
            }

            return ExitCodes.Success;
        });
        var pitr = new Command("pitr", "The platform's point-in-time recovery.");
        pitr.Subcommands.Add(restore);
        return pitr;
    }

    private static Command Storage(TextWriter output)
    {
        var storage = new Command("storage", "Copies of Storage buckets in DataGuard's storage (the platform's backups do not hold them).");
        var backup = new Command("backup", "Copy the configured buckets' objects (unchanged ones are reused), write the manifest, compare with storage.objects.");
        backup.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var manifest = await services.GetRequiredService<SupabaseStorageCopies>().BackupAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(manifest with { Objects = [] }));
            }
            else
            {
                await output.WriteLineAsync($"{manifest.Id}: {manifest.Objects.Count} objects in {manifest.Buckets.Count} buckets, {manifest.Copied} copied ({manifest.Bytes} bytes), {manifest.Unchanged} unchanged");
                if (manifest.Reconciliation is { } r)
                {
                    await output.WriteLineAsync($"storage.objects: {r.Rows} rows; {r.RowsWithoutObject.Count} without an object{List(r.RowsWithoutObject)}; {r.ObjectsWithoutRow.Count} objects without a row{List(r.ObjectsWithoutRow)}");
                }
            }

            return manifest.Reconciliation is { RowsWithoutObject.Count: > 0 } ? ExitCodes.Failure : ExitCodes.Success;
        });
        var list = new Command("list", "The copies, newest first.");
        list.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var ids = await services.GetRequiredService<SupabaseStorageCopies>().ListAsync(ct);
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json) ? CliJson.Serialize(ids) : string.Join(Environment.NewLine, ids));
            return ExitCodes.Success;
        });
        var copy = new Argument<string>("copy") { Description = "The copy's id, or latest." };
        var buckets = new Option<string[]>("--bucket") { Description = "Only this bucket of the copy (repeatable; default all).", AllowMultipleArgumentsPerToken = false };
        var toBucket = new Option<string?>("--to-bucket") { Description = "Write every object into this bucket instead of its own." };
        var restore = new Command("restore", "Write a copy's objects into the project's buckets (each checked against its SHA-256 first; existing objects of the same name are replaced).") { copy, buckets, toBucket };
        restore.SetAction(async (parse, ct) =>
        {
            await using var services = Build(parse);
            var (objects, bytes) = await services.GetRequiredService<SupabaseStorageCopies>().RestoreAsync(parse.GetValue(copy)!, parse.GetValue(buckets) ?? [], parse.GetValue(toBucket), ct);
            await output.WriteLineAsync($"restored {objects} objects ({bytes} bytes)");
            return ExitCodes.Success;
        });
        storage.Subcommands.Add(backup);
        storage.Subcommands.Add(list);
        storage.Subcommands.Add(restore);
        return storage;
    }

    private static ServiceProvider Build(ParseResult parse)
    {
        var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
        if (services.GetService<SupabasePlatformStatus>() is null)
        {
            services.Dispose();
            throw new CliUsageException("The configuration has no DataGuard:Supabase section (set at least DataGuard:Postgres:Dump:Preset = Supabase, or DataGuard:Supabase:ProjectRef).");
        }

        return services;
    }

    private static string List(IReadOnlyList<string> items) =>
        items.Count == 0 ? string.Empty : $" ({string.Join(", ", items.Take(5))}{(items.Count > 5 ? ", ..." : string.Empty)})";
}
