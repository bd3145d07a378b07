using System.CommandLine;
using DataGuard.Postgres.Status;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard status</c>: one screen of DataGuard's state.</summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter output)
    {
        var migrations = new Option<string?>("--migrations") { Description = "The migrations folder (default: Migrations:Directory)." };
        var command = new Command("status", "One screen: newest backup against the RPO, PITR window, WAL, last drill, last retention run, pending migrations, export queue.") { migrations };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var report = await services.GetRequiredService<StatusService>().ReadAsync(parse.GetValue(migrations), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(report));
            }
            else
            {
                foreach (var item in report.Items)
                {
                    var state = item.State switch { StatusState.Ok => "OK", StatusState.Warning => "WARN", StatusState.Failing => "FAIL", _ => "off" };
                    await output.WriteLineAsync($"{state,-5} {item.Part,-11} {item.Summary}");
                }

                await output.WriteLineAsync(report.Healthy ? "All good." : "Something needs attention.");
            }

            return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
