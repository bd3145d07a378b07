using System.CommandLine;
using DataGuard.Postgres;
using DataGuard.Postgres.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard schema status | upgrade</c>: the version of DataGuard's own tables (schema <c>dataguard</c>), and bringing them up to date.</summary>
internal static class SchemaCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("schema", "DataGuard's own tables (schema dataguard): their version, and the upgrade a read-only dashboard waits for.");
        var status = new Command("status", "Show the installed and the expected version of DataGuard's schema (read-only). Exit 1 when it is not current.");
        status.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var connection = await services.GetRequiredService<DataGuardDataSource>().OpenConnectionAsync(ct);
            await using var connectionScope = connection;
            var installed = await DataGuardSchema.ReadVersionAsync(connection, ct);
            var current = installed >= DataGuardSchema.Latest;
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json)
                ? CliJson.Serialize(new SchemaStatusJson(installed, DataGuardSchema.Latest, current))
                : installed is null
                    ? $"DataGuard's schema is not installed (expected version {DataGuardSchema.Latest}): run 'dataguard schema upgrade'."
                    : current ? $"DataGuard's schema is at version {installed} (current)." : $"DataGuard's schema is at version {installed}, expected {DataGuardSchema.Latest}: run 'dataguard schema upgrade'.");
            return current ? ExitCodes.Success : ExitCodes.Failure;
        });
        var upgrade = new Command("upgrade", "Create or upgrade DataGuard's schema to this release's version (one transaction under an advisory lock; nothing changes when it is current).");
        upgrade.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var connection = await services.GetRequiredService<DataGuardDataSource>().OpenConnectionAsync(ct);
            await using var connectionScope = connection;
            var before = await DataGuardSchema.ReadVersionAsync(connection, ct);
            var after = await DataGuardSchema.UpgradeAsync(connection, ct);
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json)
                ? CliJson.Serialize(new SchemaUpgradeJson(before, after))
                : before == after ? $"DataGuard's schema is at version {after}: nothing to do." : $"DataGuard's schema upgraded from {(before is null ? "nothing" : $"version {before}")} to version {after}.");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(status);
        command.Subcommands.Add(upgrade);
        return command;
    }
}

/// <summary>The <c>--json</c> document of <c>schema status</c>.</summary>
internal sealed record SchemaStatusJson(int? Installed, int Expected, bool Current);

/// <summary>The <c>--json</c> document of <c>schema upgrade</c>.</summary>
internal sealed record SchemaUpgradeJson(int? Before, int After);
