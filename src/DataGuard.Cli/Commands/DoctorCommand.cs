using System.CommandLine;
using DataGuard.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard doctor</c>: one line per check, OK or FAIL with a hint; exit 1 when any check failed.</summary>
internal static class DoctorCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("doctor", "Check the configuration, PostgreSQL, the pg tools and the storage; exit 1 if anything is not ready.");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var json = parseResult.GetValue(GlobalOptions.Json);
            await using var services = CliServices.Build(parseResult.GetValue(GlobalOptions.Config), validate: false);
            var results = await services.GetRequiredService<DataGuardDoctor>().RunAsync(cancellationToken);
            var ok = results.All(r => r.Succeeded);
            if (json)
            {
                var document = new DoctorJson(ok, [.. results.Select(r => new DoctorJson.Check(r.Name, r.Succeeded, CliLogging.Scrub(r.Detail), r.Hint is null ? null : CliLogging.Scrub(r.Hint)))]);
                await output.WriteLineAsync(CliJson.Serialize(document));
            }
            else
            {
                var width = results.Max(r => r.Name.Length);
                foreach (var result in results)
                {
                    var line = $"{(result.Succeeded ? "OK  " : "FAIL")}  {result.Name.PadRight(width)}  {result.Detail}";
                    await output.WriteLineAsync(CliLogging.Scrub(line));
                    if (!result.Succeeded && result.Hint is not null)
                    {
                        await output.WriteLineAsync(CliLogging.Scrub($"      {new string(' ', width)}  hint: {result.Hint}"));
                    }
                }

                var failed = results.Count(r => !r.Succeeded);
                await (failed == 0 ? output : error).WriteLineAsync(failed == 0 ? "All checks passed." : $"{failed} check(s) failed.");
            }

            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}

/// <summary>The <c>--json</c> document of <c>doctor</c>.</summary>
internal sealed record DoctorJson(bool Ok, IReadOnlyList<DoctorJson.Check> Checks)
{
    /// <summary>A check's outcome.</summary>
    internal sealed record Check(string Name, bool Ok, string Detail, string? Hint);
}
