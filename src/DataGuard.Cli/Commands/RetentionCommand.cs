using System.CommandLine;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard retention run [--dry-run] [--policy NAME]</c> and <c>dataguard hold place | release | list</c>.</summary>
internal static class RetentionCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("retention", "Apply retention policies to expired rows.");
        var dryRun = new Option<bool>("--dry-run") { Description = "Count and sample what would be affected; change nothing." };
        var policy = new Option<string?>("--policy") { Description = "Only this policy." };
        var run = new Command("run", "Run the policies (or one).") { dryRun, policy };
        run.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var result = await services.GetRequiredService<RetentionRunner>().RunAsync(parse.GetValue(dryRun), parse.GetValue(policy), ct);
            if (result is null)
            {
                await output.WriteLineAsync("Another host is running retention now; nothing was done.");
                return ExitCodes.Success;
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(result));
                return ExitCodes.Success;
            }

            var holds = result.Results.Any(r => r.Holds.Count > 0)
                ? (await services.GetRequiredService<LegalHolds>().ListAsync(cancellationToken: ct)).ToDictionary(h => h.Id)
                : [];
            foreach (var r in result.Results)
            {
                await WritePolicyAsync(output, r, result.DryRun, holds);
            }

            await output.WriteLineAsync($"Run {result.RunId} recorded in dataguard.retention_runs{(result.DryRun ? " (dry run: nothing changed)" : string.Empty)}.");
            return result.Results.Any(r => r.Error is not null) ? ExitCodes.Failure : ExitCodes.Success;
        });
        command.Subcommands.Add(run);
        var status = new Command("status", "The latest retention runs and what each policy did.");
        status.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var runs = await services.GetRequiredService<RetentionHistory>().ReadAsync(10, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(runs));
                return ExitCodes.Success;
            }

            foreach (var r in runs)
            {
                await output.WriteLineAsync($"run {r.Id}{(r.DryRun ? " (dry run)" : string.Empty)} by {r.RunBy}, {r.StartedAt:O}{(r.FinishedAt is null ? " (did not finish)" : string.Empty)}");
                foreach (var p in r.Policies)
                {
                    await output.WriteLineAsync($"  {p.Policy}: {p.Action} {p.RowsAffected} rows, {p.RowsHeld} held, {p.Batches} batches, {p.DurationMs} ms{(p.Error is null ? string.Empty : $", error: {p.Error}")}");
                }
            }

            await output.WriteLineAsync(runs.Count == 0 ? "No retention run recorded." : $"{runs.Count} run(s).");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(status);
        return command;
    }

    private static string Verb(string action, bool dryRun) => (action, dryRun) switch
    {
        ("Anonymize", true) => "would anonymize",
        ("Anonymize", false) => "anonymized",
        ("ArchiveThenDelete", true) => "would archive and delete",
        ("ArchiveThenDelete", false) => "archived and deleted",
        ("DropPartitions", true) => "would drop partitions holding",
        ("DropPartitions", false) => "dropped partitions holding",
        (_, true) => "would delete",
        _ => "deleted",
    };

    private static async Task WritePolicyAsync(TextWriter output, RetentionPolicyResult r, bool dryRun, Dictionary<long, LegalHold> holds)
    {
        var range = r.Oldest is null ? string.Empty : $"; expired from {r.Oldest:O} to {r.Newest:O}";
        var work = dryRun ? string.Empty : $", {r.Batches} {(r.Action == "DropPartitions" ? "partitions" : "batches")}, longest {r.LongestBatchMs} ms";
        await output.WriteLineAsync($"{r.Policy}: {Verb(r.Action, dryRun)} {r.RowsAffected} rows ({r.RowsHeld} spared by legal holds){work}{range}");
        if (dryRun && r.RowIdentity is not null)
        {
            await output.WriteLineAsync($"  rows identified by {r.RowIdentity}");
        }

        if (r.ParentsHeldByChildren > 0)
        {
            await output.WriteLineAsync($"  {r.ParentsHeldByChildren} rows kept because held rows reference them (directly or through other tables)");
        }

        foreach (var h in r.Holds)
        {
            var what = holds.TryGetValue(h.HoldId, out var hold) ? $" ({Describe(hold)}: {hold.Reason})" : string.Empty;
            await output.WriteLineAsync($"  hold {h.HoldId}{what} keeps {h.Rows} rows");
        }

        if (r.RowsKeptByReferences > 0)
        {
            await output.WriteLineAsync($"  {r.RowsKeptByReferences} rows kept because other rows still reference them or the rows their delete cascades to (ON DELETE NO ACTION / RESTRICT)");
        }

        foreach (var c in r.Cascades)
        {
            await output.WriteLineAsync($"  cascades to {c.Table} ({c.Constraint}, ON DELETE {c.OnDelete}): {c.Rows} rows");
        }

        foreach (var kept in r.Kept)
        {
            await output.WriteLineAsync($"  kept partition {kept}");
        }

        if (r.SampleKeys.Count > 0)
        {
            await output.WriteLineAsync($"  {(r.Action == "DropPartitions" ? "partitions" : "sample rows (table ctid)")}: {string.Join(", ", r.SampleKeys)}");
        }

        if (r.Archives.Count > 0)
        {
            await output.WriteLineAsync($"  archived to {r.Archives.Count} object(s), first {r.Archives[0]}");
        }

        if (r.Error is not null)
        {
            await output.WriteLineAsync($"  FAILED: {r.Error}");
        }
    }

    private static string Describe(LegalHold hold) =>
        hold.Kind == "subject" ? $"subject {hold.Table}.{hold.Column} = '{hold.Value}' and every row linked to it" : $"{hold.Table}.{hold.Column} = '{hold.Value}'";

    public static Command CreateHold(TextWriter output)
    {
        var command = new Command("hold", "Legal holds: rows retention must never touch.");
        var subject = new Option<string?>("--subject") { Description = "A subject's key: holds every row the export data map links to it." };
        var table = new Option<string?>("--table") { Description = "schema.table" };
        var column = new Option<string?>("--column") { Description = "The column." };
        var value = new Option<string?>("--value") { Description = "The value, in any form the column's type accepts (parsed and compared in that type)." };
        var reason = new Option<string>("--reason") { Description = "Why (recorded).", Required = true };
        var place = new Command("place", "Place a hold on a subject (--subject KEY) or on the rows where a column has a value (--table T --column C --value V).") { subject, table, column, value, reason };
        place.SetAction(async (parse, ct) =>
        {
            var bySubject = parse.GetValue(subject);
            var byTable = (parse.GetValue(table), parse.GetValue(column), parse.GetValue(value));
            if ((bySubject is null) == (byTable.Item1 is null || byTable.Item2 is null || byTable.Item3 is null))
            {
                throw new CliUsageException("Give either --subject KEY, or --table, --column and --value.");
            }

            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var holds = services.GetRequiredService<LegalHolds>();
            var hold = bySubject is not null
                ? await holds.PlaceSubjectAsync(bySubject, parse.GetValue(reason)!, ct)
                : await holds.PlaceAsync(byTable.Item1!, byTable.Item2!, byTable.Item3!, parse.GetValue(reason)!, ct);
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json) ? CliJson.Serialize(hold) : $"Hold {hold.Id} placed on {Describe(hold)}.");
            return ExitCodes.Success;
        });
        var id = new Argument<long>("id") { Description = "The hold's id." };
        var release = new Command("release", "Release a hold (it stays listed as released).") { id };
        release.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var released = await services.GetRequiredService<LegalHolds>().ReleaseAsync(parse.GetValue(id), ct);
            await output.WriteLineAsync(released ? $"Hold {parse.GetValue(id)} released." : $"No active hold {parse.GetValue(id)}.");
            return released ? ExitCodes.Success : ExitCodes.Failure;
        });
        var all = new Option<bool>("--all") { Description = "Include released holds." };
        var list = new Command("list", "List holds.") { all };
        list.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var holds = await services.GetRequiredService<LegalHolds>().ListAsync(parse.GetValue(all), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(holds));
                return ExitCodes.Success;
            }

            foreach (var h in holds)
            {
                await output.WriteLineAsync($"{h.Id,6}  {Describe(h)}  {h.Reason}  (by {h.PlacedBy}, {h.PlacedAt:O}{(h.ReleasedAt is { } r ? $", released {r:O}" : string.Empty)})");
            }

            await output.WriteLineAsync(holds.Count == 0 ? "No holds." : $"{holds.Count} hold(s).");
            return ExitCodes.Success;
        });
        command.Subcommands.Add(place);
        command.Subcommands.Add(release);
        command.Subcommands.Add(list);
        return command;
    }
}
