using System.CommandLine;
using DataGuard.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary>
/// <c>dataguard restore ID|latest --to-database NAME | --to-connection CS [--to-password-file FILE] [--create] [--clean
/// [--confirm-production]] [--keep-failed-target] [--no-verify]</c>.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "The backup id, or 'latest' (the newest verified backup)." };
        var toDatabase = new Option<string?>("--to-database") { Description = "The target database's name, on the configured server (a plain name, not a connection string)." };
        var toConnection = new Option<string?>("--to-connection") { Description = $"A connection string of the target, for another server, without its password (give that in {TargetPassword.Variable} or --to-password-file)." };
        var passwordFile = new Option<string?>("--to-password-file") { Description = $"A file holding the --to-connection target's password (first line; keep it 0600). Default: the environment variable {TargetPassword.Variable}." };
        var create = new Option<bool>("--create") { Description = "Create the target database if it does not exist (dropped again if the restore fails)." };
        var clean = new Option<bool>("--clean") { Description = "Drop and recreate the archive's objects that exist in the target (needed when the target holds tables)." };
        var confirmProduction = new Option<bool>("--confirm-production") { Description = "Allow --clean into the configured production database (DataGuard:Postgres:ConnectionString): it loses every change since the backup." };
        var keepFailed = new Option<bool>("--keep-failed-target") { Description = "Keep a database created by --create when the restore fails (it is dropped by default)." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip reading the archive's checksum before the target is touched (the bytes restored are still checked before the restore commits)." };
        var command = new Command("restore", "Restore a backup into a database, then compare its row counts with the manifest.") { id, toDatabase, toConnection, passwordFile, create, clean, confirmProduction, keepFailed, noVerify };
        command.Validators.Add(result =>
        {
            if (result.GetValue(toDatabase) is null == result.GetValue(toConnection) is null)
            {
                result.AddError("Give exactly one of --to-database and --to-connection.");
            }

            if (result.GetValue(passwordFile) is not null && result.GetValue(toConnection) is null)
            {
                result.AddError("--to-password-file goes with --to-connection (a --to-database target uses the configured connection's credentials).");
            }

            if (result.GetValue(confirmProduction) && !result.GetValue(clean))
            {
                result.AddError("--confirm-production only confirms --clean into the production database; without --clean there is nothing to confirm.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var json = parse.GetValue(GlobalOptions.Json);
            var connection = parse.GetValue(toConnection);
            var request = new RestoreRequest
            {
                TargetDatabase = parse.GetValue(toDatabase),
                TargetConnectionString = connection is null ? null : await TargetPassword.ApplyAsync(connection, parse.GetValue(passwordFile), error, ct),
                Create = parse.GetValue(create),
                Clean = parse.GetValue(clean),
                ConfirmProduction = parse.GetValue(confirmProduction),
                KeepFailedTarget = parse.GetValue(keepFailed),
                SkipChecksumVerification = parse.GetValue(noVerify),
            };
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            using var progress = new CliProgress(error, json);
            var result = await services.GetRequiredService<BackupService>().RestoreAsync(parse.GetValue(id)!, request, progress, ct);
            progress.Dispose();
            if (json)
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
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
