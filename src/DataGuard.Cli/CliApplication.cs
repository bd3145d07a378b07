using System.CommandLine;
using System.CommandLine.Help;
using DataGuard.Cli.Commands;

namespace DataGuard.Cli;

/// <summary>The <c>dataguard</c> command line: parses, runs one command, maps failures to exit codes.</summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = CreateRootCommand(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"dataguard: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'dataguard --help' for usage.").ConfigureAwait(false);

            // restore_command must never exit below 126 unless the file does not exist: a mistyped command line is fatal.
            return WalCommand.IsFetch(parsed.CommandResult.Command) ? ExitCodes.WalFetchFailed : ExitCodes.Usage;
        }

        CliLogging.Use(error, parsed.GetValue(GlobalOptions.Verbose));
        CliWarmup.StartFor(parsed);
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (CliUsageException ex)
        {
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: {ex.Message}")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: the configuration is invalid: {string.Join(" ", ex.Failures)}")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (DataGuardException ex)
        {
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: {ex.Message}")).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("dataguard: cancelled.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Npgsql.NpgsqlException ex)
        {
            // PostgreSQL refused or went away where no caller could say more: name it, with the SQLSTATE when the server sent one.
            var cause = ex is Npgsql.PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}"
                : ex.InnerException is { } inner && inner.Message != ex.Message ? $"{ex.Message} ({inner.Message})" : ex.Message;
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: PostgreSQL failed: {cause}")).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync(CliLogging.Scrub($"dataguard: unexpected error: {Describe(ex)}")).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// An unexpected failure's type and message; for a failed type initializer (which says only that it failed), the
    /// innermost cause and the innermost type whose initializer failed.
    /// </summary>
    internal static string Describe(Exception exception)
    {
        string? typeName = null;
        while (exception is TypeInitializationException { InnerException: { } inner } failed)
        {
            typeName = failed.TypeName;
            exception = inner;
        }

        return $"{exception.GetType().Name}: {exception.Message}{(typeName is null ? string.Empty : $" (initializing {typeName})")}";
    }

    /// <summary>The name the tool has in help and messages, whatever the executable or dll is called.</summary>
    public const string Name = "dataguard";

    internal static Command CreateRootCommand(TextWriter output, TextWriter error)
    {
        // Not a RootCommand: its name is the running executable's ("DataGuard.Cli" when run as `dotnet DataGuard.Cli.dll`)
        // and cannot be set. A plain command named "dataguard" with the same help and version options parses alike.
        var root = new Command(Name, "DataGuard: backups, point-in-time recovery, exports, drills, migrations and retention for PostgreSQL.")
        {
            Options = { new HelpOption(), new VersionOption() },
        };
        root.Options.Add(GlobalOptions.Config);
        root.Options.Add(GlobalOptions.Json);
        root.Options.Add(GlobalOptions.Verbose);
        root.Subcommands.Add(DoctorCommand.Create(output, error));
        root.Subcommands.Add(BackupCommand.Create(output, error));
        root.Subcommands.Add(RestoreCommand.Create(output, error));
        root.Subcommands.Add(WalCommand.Create(output, error));
        root.Subcommands.Add(PitrCommand.Create(output, error));
        root.Subcommands.Add(MigrateCommand.Create(output));
        root.Subcommands.Add(RetentionCommand.Create(output));
        root.Subcommands.Add(RetentionCommand.CreateHold(output));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        root.Subcommands.Add(DrillCommand.Create(output));
        root.Subcommands.Add(StatusCommand.Create(output));
        root.Subcommands.Add(SchemaCommand.Create(output));
        root.Subcommands.Add(RunbookCommand.Create(output));
        root.Subcommands.Add(SupabaseCommand.Create(output));
        return root;
    }
}
