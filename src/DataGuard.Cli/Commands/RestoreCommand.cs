using System.CommandLine;
using System.Text.Json;
using DataGuard.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard restore ID|latest --to-database NAME [--create] [--clean]</c>.</summary>
internal static class RestoreCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "The backup id, or 'latest' (the newest verified backup)." };
        var toDatabase = new Option<string?>("--to-database") { Description = "The target database on the configured server." };
        var toConnection = new Option<string?>("--to-connection") { Description = "A connection string of the target, for another server (prefer the environment for its password)." };
        var create = new Option<bool>("--create") { Description = "Create the target database if it does not exist." };
        var clean = new Option<bool>("--clean") { Description = "Drop and recreate the archive's objects that exist in the target (needed when the target holds tables)." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip reading the archive's checksum before the target is touched." };
        var command = new Command("restore", "Restore a backup into a database, then compare its row counts with the manifest.") { id, toDatabase, toConnection, create, clean, noVerify };
        command.Validators.Add(result =>
        {
            if (result.GetValue(toDatabase) is null == result.GetValue(toConnection) is null)
            {
                result.AddError("Give exactly one of --to-database and --to-connection.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            var request = new RestoreRequest
            {
                TargetDatabase = parse.GetValue(toDatabase),
                TargetConnectionString = parse.GetValue(toConnection),
                Create = parse.GetValue(create),
                Clean = parse.GetValue(clean),
                SkipChecksumVerification = parse.GetValue(noVerify),
            };
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            using var progress = new CliProgress(error, json);
            var result = await services.GetRequiredService<BackupService>().RestoreAsync(parse.GetValue(id)!, request, progress, ct);
            progress.Dispose();
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else
            {
                await output.WriteLineAsync($"Restored {result.BackupId} into {result.Target} in {result.DurationSeconds:F1} s.");
                foreach (var table in result.Tables)
                {
                    await output.WriteLineAsync($"  {(table.Matches ? "OK  " : "DIFF")}  {table.Table}: {table.Actual?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} rows (manifest: {table.Expected})");
                }

                await output.WriteLineAsync(result.RowCountsMatch ? "Row counts match the manifest." : "Row counts differ from the manifest.");
            }

            return result.RowCountsMatch ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
