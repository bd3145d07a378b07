using System.CommandLine;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard migrate adopt</c>: takes over from golang-migrate, dbmate or Flyway.</summary>
internal static class MigrateAdoptCommand
{
    public static Command Create(TextWriter output, Option<string?> directory)
    {
        var command = new Command("adopt", "Record in DataGuard's empty ledger what golang-migrate's or dbmate's schema_migrations, or Flyway's flyway_schema_history, says is applied, with the files' down scripts; say what was done.");
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var path = parse.GetValue(directory) ?? services.GetRequiredService<IOptions<MigrationsOptions>>().Value.Directory;
            var set = MigrationDirectory.Read(path);
            var result = await services.GetRequiredService<Migrator>().AdoptAsync(set, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(new MigrateAdoptJson(result.Source.Tool, result.Source.Table, result.Applied, result.Dirty, result.MissingFiles, result.Source.Skipped, result.DeployId)));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"Found {result.Source.Summary}.");
            await output.WriteLineAsync($"Adopted {result.Applied.Count} version(s) as applied{(result.Applied.Count > 0 ? $" ({result.Applied.Min()} .. {result.Applied.Max()})" : string.Empty)} in deploy {result.DeployId}.");
            if (result.Dirty is { } dirty)
            {
                await output.WriteLineAsync($"Version {dirty} was dirty in {result.Source.Tool}: adopted as dirty; inspect the schema, then 'dataguard migrate resolve {dirty} --applied|--rolled-back'.");
            }

            foreach (var missing in result.MissingFiles)
            {
                await output.WriteLineAsync($"warning: version {missing} is applied per {result.Source.Tool} but has no file here: not adopted (its down script is unknown).");
            }

            foreach (var skipped in result.Source.Skipped)
            {
                await output.WriteLineAsync($"warning: skipped {skipped}.");
            }

            await output.WriteLineAsync($"{result.Source.Table} is left as it is; set DataGuard:Migrations:SourceLedger to \"{result.Source.Tool}\" to keep it in step on every up and down.");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>The <c>--json</c> document of <c>migrate adopt</c>.</summary>
internal sealed record MigrateAdoptJson(string Tool, string Table, IReadOnlyList<long> Applied, long? Dirty, IReadOnlyList<long> MissingFiles, IReadOnlyList<string> Skipped, string DeployId);
