using System.CommandLine;
using DataGuard.Migrations;
using DataGuard.Postgres;
using DataGuard.Postgres.Migrations;
using DataGuard.Postgres.Migrations.EntityFramework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard migrate status | up | down | plan | verify | resolve | rehearse | check | adopt</c>.</summary>
internal static class MigrateCommand
{
    private static readonly Option<string?> Directory = new("--dir") { Description = "The migrations directory (default: DataGuard:Migrations:Directory, 'migrations').", Recursive = true };

    public static Command Create(TextWriter output)
    {
        var command = new Command("migrate", "Apply and roll back schema migrations with a ledger of what ran.");
        command.Options.Add(Directory);
        command.Subcommands.Add(Status(output));
        command.Subcommands.Add(Up(output));
        command.Subcommands.Add(Down(output));
        command.Subcommands.Add(Plan(output));
        command.Subcommands.Add(Verify(output));
        command.Subcommands.Add(Resolve(output));
        command.Subcommands.Add(Rehearse(output));
        command.Subcommands.Add(MigrateCheckCommand.Create(output, Directory));
        command.Subcommands.Add(MigrateAdoptCommand.Create(output, Directory));
        return command;
    }

    private static Command Rehearse(TextWriter output)
    {
        var command = new Command("rehearse", "Run the pending migrations up, down and up again on a scratch copy of the schema; record that their downs work.");
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var directory = parse.GetValue(Directory) ?? services.GetRequiredService<IOptions<MigrationsOptions>>().Value.Directory;
            var rehearsals = await services.GetRequiredService<MigrationRehearser>().RehearseAsync(MigrationDirectory.Read(directory), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(rehearsals));
                return ExitCodes.Success;
            }

            foreach (var r in rehearsals)
            {
                await output.WriteLineAsync($"OK  {r.Version} {r.Title}: up {r.UpMs} ms, down {r.DownMs} ms, up again {r.ReUpMs} ms");
            }

            await output.WriteLineAsync(rehearsals.Count == 0 ? "Nothing pending to rehearse." : $"{rehearsals.Count} migration(s) rehearsed; their down scripts work.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status(TextWriter output)
    {
        var command = new Command("status", "Applied, pending, drifted, dirty, and missing down scripts.");
        command.SetAction((parse, ct) => RunAsync(parse, ledgerOnly: true, async (migrator, set, services) =>
        {
            var rows = await migrator.StatusAsync(set, ct);
            var (origins, efTables) = await EfStatusAsync(services, ct);
            if (await migrator.DetectForeignLedgerAsync(set, ct) is { } foreign)
            {
                await Console.Error.WriteLineAsync($"notice: DataGuard's ledger is empty, but this database has {foreign.Summary}. 'dataguard migrate adopt' records those versions as applied (with their down scripts from the files); until then 'up' refuses to run them again.");
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(rows));
            }
            else
            {
                foreach (var row in rows)
                {
                    var origin = origins.GetValueOrDefault(row.Version);
                    var ef = origin is { IsEntityFramework: true };
                    var state = ef && row.State == "applied-missing-file" ? "applied" : row.State;
                    var flags = string.Join(", ", new[] { ef ? (origin!.Kind == "efcore-adopted" ? "EF Core, adopted" : "EF Core") : null, row.Drifted ? "DRIFTED" : null, row.MissingDown ? "no down script" : null, row.Irreversible ? "irreversible" : null }.OfType<string>());
                    await output.WriteLineAsync($"{row.Version,16}  {state,-22} {(ef ? origin!.Id : row.Title)}{(flags.Length > 0 ? $"  ({flags})" : string.Empty)}");
                    if (row.Error is { } error)
                    {
                        await output.WriteLineAsync($"{string.Empty,16}  error: {error}");
                    }
                }

                foreach (var table in efTables)
                {
                    await output.WriteLineAsync(table.InStep
                        ? $"EF Core history {table.HistoryTable}: {table.HistoryCount} migration(s), in step with the ledger."
                        : $"EF Core history {table.HistoryTable}: {table.HistoryCount} migration(s), NOT in step with the ledger.");
                    foreach (var id in table.NotInLedger)
                    {
                        await output.WriteLineAsync($"  applied by EF, not in the ledger: {id} (adopt it: AdoptMigrationsAsync<TContext>() in the application)");
                    }

                    foreach (var id in table.NotInHistory)
                    {
                        await output.WriteLineAsync($"  applied in the ledger, missing from the EF history: {id}");
                    }
                }
            }

            return rows.Any(r => r.State is "dirty" or "failed" || r.Drifted) || efTables.Any(t => !t.InStep) ? ExitCodes.Failure : ExitCodes.Success;
        }));
        return command;
    }

    private static Command Up(TextWriter output)
    {
        var to = new Option<long?>("--to") { Description = "The last version to apply." };
        var allowDrift = new Option<bool>("--allow-drift") { Description = "Apply even though applied files changed." };
        var command = new Command("up", "Apply pending migrations, each in its own transaction with its ledger row.") { to, allowDrift };
        command.SetAction((parse, ct) => RunAsync(parse, async (migrator, set, services) =>
        {
            var result = await migrator.UpAsync(set, parse.GetValue(to), parse.GetValue(allowDrift), ct);
            await PrintAsync(output, parse, result, "applied");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Down(TextWriter output)
    {
        var (steps, to, deploy, prefer) = DownOptions();
        var command = new Command("down", "Roll back: the last migration, --steps N, --to V (0 = everything) or --deploy D.") { steps, to, deploy, prefer };
        command.SetAction((parse, ct) => RunAsync(parse, ledgerOnly: true, async (migrator, set, services) =>
        {
            var result = await migrator.DownAsync(set, DownRequestOf(parse, steps, to, deploy, prefer), ct);
            await PrintAsync(output, parse, result, "rolled back");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Plan(TextWriter output)
    {
        var direction = new Argument<string>("direction") { Description = "up or down.", DefaultValueFactory = _ => "up" };
        direction.AcceptOnlyFromAmong("up", "down");
        var upTo = new Option<long?>("--up-to") { Description = "For up: the last version to apply." };
        var (steps, to, deploy, prefer) = DownOptions();
        var command = new Command("plan", "Print the SQL that up or down would run, in order; run nothing.") { direction, upTo, steps, to, deploy, prefer };
        command.SetAction((parse, ct) => RunAsync(parse, ledgerOnly: parse.GetValue(direction) == "down", async (migrator, set, services) =>
        {
            var planned = parse.GetValue(direction) == "down"
                ? await migrator.PlanDownAsync(set, DownRequestOf(parse, steps, to, deploy, prefer), ct)
                : await migrator.PlanUpAsync(set, parse.GetValue(upTo), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(planned));
                return ExitCodes.Success;
            }

            var history = await services.GetRequiredService<IMigrationLedger>().ReadHistoryAsync(10_000, ct);
            long? estimate = 0;
            foreach (var step in planned)
            {
                var known = history.FirstOrDefault(e => e.Version == step.Version && e.Direction == (step.Direction == "down" ? "down" : "up") && e.Outcome is "succeeded" or "no-op")
                    ?? (step.Direction == "down" ? history.FirstOrDefault(e => e.Version == step.Version && e.Direction == "rehearse") : null);
                estimate = known is null || estimate is null ? null : estimate + known.DurationMs;
                await output.WriteLineAsync($"-- {step.Direction} {step.Version} {step.Title} ({step.Transaction})");
                await output.WriteLineAsync(step.Script.TrimEnd());
                if (step.Direction == "down")
                {
                    await WriteDataAtRiskAsync(output, services, step.Script, ct);
                }

                await output.WriteLineAsync();
            }

            await output.WriteLineAsync($"-- {planned.Count} migration(s); nothing was run.{(estimate is { } ms && planned.Count > 0 ? $" Estimated duration from recorded runs and rehearsals: {ms} ms." : string.Empty)}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Verify(TextWriter output)
    {
        var command = new Command("verify", "Check applied migrations against their files (checksum drift); exit 1 on drift.");
        command.SetAction((parse, ct) => RunAsync(parse, async (migrator, set, services) =>
        {
            var drifted = (await migrator.StatusAsync(set, ct)).Where(r => r.Drifted).ToList();
            foreach (var row in drifted)
            {
                await output.WriteLineAsync($"DRIFTED  {row.Version} {row.Title}: the file changed after it was applied");
            }

            await output.WriteLineAsync(drifted.Count == 0 ? "No drift: every applied migration matches its file." : $"{drifted.Count} drifted migration(s).");
            return drifted.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command Resolve(TextWriter output)
    {
        var version = new Argument<long>("version") { Description = "The dirty or failed version." };
        var applied = new Option<bool>("--applied") { Description = "Its effect is in place." };
        var rolledBack = new Option<bool>("--rolled-back") { Description = "Its effect is not in place." };
        var command = new Command("resolve", "Clear a dirty or failed version on purpose (recorded in the history).") { version, applied, rolledBack };
        command.Validators.Add(r =>
        {
            if (r.GetValue(applied) == r.GetValue(rolledBack))
            {
                r.AddError("Give exactly one of --applied and --rolled-back.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            await services.GetRequiredService<Migrator>().ResolveAsync(parse.GetValue(version), parse.GetValue(applied), ct);
            await output.WriteLineAsync($"Version {parse.GetValue(version)} resolved as {(parse.GetValue(applied) ? "applied" : "rolled back")}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static (Option<int?> Steps, Option<string?> To, Option<string?> Deploy, Option<string?> Prefer) DownOptions()
    {
        var prefer = new Option<string?>("--prefer") { Description = "When a down file differs from the ledger's copy: file or ledger." };
        prefer.AcceptOnlyFromAmong("file", "ledger");
        return (new Option<int?>("--steps") { Description = "How many of the newest migrations." },
            new Option<string?>("--to") { Description = "Roll back everything above this version or EF Core migration id (0: everything)." },
            new Option<string?>("--deploy") { Description = "Roll back one deploy (see migrate status --json / the ledger)." },
            prefer);
    }

    private static DownRequest DownRequestOf(ParseResult parse, Option<int?> steps, Option<string?> to, Option<string?> deploy, Option<string?> prefer) => new()
    {
        Steps = parse.GetValue(steps),
        ToVersion = ParseTarget(parse.GetValue(to)),
        Deploy = parse.GetValue(deploy),
        Prefer = parse.GetValue(prefer),
    };

    private static async Task PrintAsync(TextWriter output, ParseResult parse, MigrationRunResult result, string verb)
    {
        var steps = result.Steps;
        if (parse.GetValue(GlobalOptions.Json))
        {
            await output.WriteLineAsync(CliJson.Serialize(new MigrateRunJson(result.DeployId, result.BackupId, result.RestorePoint, [.. steps.Select(s => new MigrateRunJson.Step(s.Version, s.Title, s.Direction, s.Transaction))])));
            return;
        }

        if (result.BackupId is not null)
        {
            await output.WriteLineAsync($"safety net: backup {result.BackupId}");
        }

        if (result.RestorePoint is not null)
        {
            await output.WriteLineAsync($"safety net: restore point {result.RestorePoint}");
        }

        foreach (var step in steps)
        {
            await output.WriteLineAsync($"{verb}  {step.Version} {step.Title} ({step.Transaction})");
        }

        await output.WriteLineAsync(steps.Count == 0 ? "Nothing to do." : $"{steps.Count} migration(s) {verb} (deploy {result.DeployId}).");
    }

    private static Task<int> RunAsync(ParseResult parse, Func<Migrator, MigrationSet, IServiceProvider, Task<int>> action) =>
        RunAsync(parse, ledgerOnly: false, action);

    /// <summary>
    /// Runs a migrate command with the migration files. With <paramref name="ledgerOnly"/> (status, down, plan down), a
    /// configured directory that does not exist (and no --dir) means the ledger alone: down scripts come from the
    /// ledger, as for EF Core migrations or a build that no longer has the files.
    /// </summary>
    private static async Task<int> RunAsync(ParseResult parse, bool ledgerOnly, Func<Migrator, MigrationSet, IServiceProvider, Task<int>> action)
    {
        await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
        var explicitDirectory = parse.GetValue(Directory);
        var directory = explicitDirectory ?? services.GetRequiredService<IOptions<MigrationsOptions>>().Value.Directory;
        MigrationSet set;
        if (ledgerOnly && explicitDirectory is null && !System.IO.Directory.Exists(directory))
        {
            await Console.Error.WriteLineAsync($"note: no migrations directory '{directory}': using the ledger alone.");
            set = MigrationSet.Parse([]);
        }
        else
        {
            set = MigrationDirectory.Read(directory);
        }

        foreach (var warning in set.Warnings)
        {
            await Console.Error.WriteLineAsync($"warning: {warning}");
        }

        return await action(services.GetRequiredService<Migrator>(), set, services);
    }

    /// <summary>A <c>--to</c> target: a version, or an EF Core migration id (its leading timestamp is the ledger version).</summary>
    private static long? ParseTarget(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var digits = value.IndexOf('_', StringComparison.Ordinal) is var underscore and > 0 ? value[..underscore] : value;
        return long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new CliUsageException($"--to '{value}' is neither a version nor an EF Core migration id (such as 20260101120000_AddOrders).");
    }

    private static async Task<(IReadOnlyDictionary<long, MigrationOrigin> Origins, IReadOnlyList<EfReconciliation> Tables)> EfStatusAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var connection = await services.GetRequiredService<DataGuardDataSource>().OpenConnectionAsync(ct);
        var ledger = await PostgresMigrationLedger.ReadAsync(connection, ct);
        return (await EfHistory.ReadOriginsAsync(connection, ct), await EfHistory.ReconcileAsync(connection, ledger, ct));
    }

    private static async Task WriteDataAtRiskAsync(TextWriter output, IServiceProvider services, string script, CancellationToken ct)
    {
        await using var connection = await services.GetRequiredService<DataGuardDataSource>().OpenConnectionAsync(ct);
        foreach (var risk in await DownImpact.MeasureAsync(connection, script, ct))
        {
            var what = risk.Column is null ? $"table {risk.Table}" : $"column {risk.Table}.{risk.Column}";
            await output.WriteLineAsync(risk.Rows is { } rows
                ? $"-- DATA AT RISK: drops {what}: {rows} row(s) {(risk.Column is null ? "in it" : "with a value")} would be lost"
                : $"-- DATA AT RISK: drops {what}: rows could not be counted ({risk.Problem})");
        }
    }
}

/// <summary>The <c>--json</c> document of <c>migrate up</c> and <c>migrate down</c>.</summary>
internal sealed record MigrateRunJson(string DeployId, string? BackupId, string? RestorePoint, IReadOnlyList<MigrateRunJson.Step> Steps)
{
    /// <summary>A migration run (its script is not printed).</summary>
    internal sealed record Step(long Version, string Title, string Direction, string Transaction);
}
