using System.CommandLine;
using System.Globalization;
using DataGuard.Postgres.Drills;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard drill run [--backup ID]</c> and <c>dataguard drill list</c>.</summary>
internal static class DrillCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("drill", "Restore drills: restore a backup into a scratch database, check it, measure RTO and RPO.");
        var backup = new Option<string?>("--backup") { Description = "The backup to drill (default: the newest verified logical backup)." };
        var physical = new Option<bool>("--physical") { Description = "Restore the newest base backup plus all archived WAL into a temporary server instead (point-in-time recovery)." };
        var run = new Command("run", $"Run a restore drill now and store its report under {StorageLayout.Drills}.") { backup, physical };
        run.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var drills = services.GetRequiredService<DrillService>();
            DrillReport report;
            if (parse.GetValue(physical))
            {
                var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DrillOptions>>().Value;
                options.RestoreCommand ??= PitrCommand.DefaultRestoreCommand(parse.GetValue(GlobalOptions.Config));
                report = await drills.RunPhysicalAsync(ct);
            }
            else
            {
                report = await drills.RunAsync(parse.GetValue(backup), ct);
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(report));
            }
            else
            {
                await WriteAsync(output, report);
            }

            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        });
        var list = new Command("list", "The latest drill reports.");
        list.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var reports = await services.GetRequiredService<DrillService>().ListAsync(20, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(reports));
                return ExitCodes.Success;
            }

            foreach (var r in reports)
            {
                await output.WriteLineAsync($"{r.Id}  {(r.Passed ? "passed" : "FAILED")}  backup {r.BackupId ?? "-"}  RTO {Seconds(r.RtoSeconds)}  RPO {Hours(r.RpoSeconds)}");
            }

            await output.WriteLineAsync(reports.Count == 0 ? "No drill has run." : $"{reports.Count} drill(s).");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(run);
        command.Subcommands.Add(list);
        return command;
    }

    internal static string Seconds(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:F1} s") : "-";

    internal static string Hours(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s / 3600:F1} h") : "-";

    private static async Task WriteAsync(TextWriter output, DrillReport report)
    {
        await output.WriteLineAsync($"Drill {report.Id}: {(report.Passed ? "PASSED" : "FAILED")}");
        await output.WriteLineAsync($"  backup   {report.BackupId ?? "-"} (completed {report.BackupCompletedAt:u})");
        await output.WriteLineAsync($"  target   {report.Target} (dropped afterwards)");
        await output.WriteLineAsync($"  RPO      {Hours(report.RpoSeconds)} (the backup's age when the drill started)");
        await output.WriteLineAsync($"  RTO      {Seconds(report.RtoSeconds)} (restore, checksum first)");
        foreach (var check in report.Checks)
        {
            await output.WriteLineAsync($"  {(check.Passed ? "OK  " : "FAIL")}     {check.Name}: {check.Detail}");
        }

        if (report.Error is not null)
        {
            await output.WriteLineAsync($"  error    {report.Error}");
        }

        await output.WriteLineAsync($"  report   {StorageLayout.DrillReport(report.Id)}");
    }
}
