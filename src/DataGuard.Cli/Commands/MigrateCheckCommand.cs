using System.CommandLine;
using System.Text;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard migrate check</c>: lints the migrations directory; runs nothing and needs no database.</summary>
internal static class MigrateCheckCommand
{
    public static Command Create(TextWriter output, Option<string?> directory)
    {
        var command = new Command("check", "Lint the migrations directory before anything runs: unpaired or duplicate versions, empty downs, statements that run outside a transaction, files that cannot be atomic, BEGIN without COMMIT. Exit 1 on errors.");
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var path = parse.GetValue(directory) ?? services.GetRequiredService<IOptions<MigrationsOptions>>().Value.Directory;
            if (!Directory.Exists(path))
            {
                throw new MigrationSourceException($"The migrations directory '{path}' does not exist (DataGuard:Migrations:Directory).");
            }

            var files = Directory.EnumerateFiles(path).Select(f => (Path.GetFileName(f), File.ReadAllText(f, Encoding.UTF8)));
            var findings = MigrationLint.Check(files);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(findings));
            }
            else
            {
                foreach (var f in findings)
                {
                    await output.WriteLineAsync($"{f.Severity,-7} {f.File}{(f.Line is { } line ? $":{line}" : string.Empty)}  {f.Message}");
                }

                var errors = findings.Count(f => f.Severity == "error");
                await output.WriteLineAsync($"{errors} error(s), {findings.Count(f => f.Severity == "warning")} warning(s), {findings.Count(f => f.Severity == "note")} note(s).");
            }

            return findings.Any(f => f.Severity == "error") ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }
}
