using System.CommandLine;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard export subject | map | table | request | status | list | work</c>.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("export", "Export data: a subject's data (GDPR Art. 15/20), whole tables, the subject data map, and self-service jobs.");
        command.Subcommands.Add(CreateSubject(output));
        command.Subcommands.Add(CreateMap(output));
        command.Subcommands.Add(CreateTable(output));
        command.Subcommands.Add(CreateRequest(output));
        command.Subcommands.Add(CreateStatus(output));
        command.Subcommands.Add(CreateList(output));
        command.Subcommands.Add(ExportWorkCommand.Create(output, error));
        return command;
    }

    private static Command CreateSubject(TextWriter output)
    {
        var key = new Argument<string>("key") { Description = "The subject's key (e.g. the user id)." };
        var format = new Option<string>("--format") { Description = "json, csv (a zip of CSV files) or pdf.", DefaultValueFactory = _ => "json" };
        var path = new Option<string>("--out") { Description = "The file to write.", Required = true };
        var subject = new Command("subject", "Export everything the application holds about one subject, from one snapshot.") { key, format, path };
        subject.SetAction(async (parse, invocation) =>
        {
            using var interrupt = new CliInterrupt(invocation);
            var ct = interrupt.Token;
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var exports = services.GetRequiredService<SubjectExports>();
            var exporter = exports.Format(parse.GetValue(format)!);
            await using var snapshot = await exports.OpenAsync(parse.GetValue(key)!, ct);
            var file = parse.GetValue(path)!;
            IReadOnlyList<string> warnings = [];
            await PrivateOutputFile.WriteAsync(file, async stream => warnings = await snapshot.WriteAsync(exporter, stream, ct));
            await output.WriteLineAsync($"Wrote {file} ({exporter.Format}, {new FileInfo(file).Length:N0} bytes): {snapshot.Summary.Sum(s => s.Rows):N0} rows from {snapshot.Summary.Count(s => s.Rows > 0)} tables.");
            foreach (var warning in warnings)
            {
                await output.WriteLineAsync($"WARNING: {warning}");
            }

            return ExitCodes.Success;
        });
        return subject;
    }

    private static Command CreateMap(TextWriter output)
    {
        var sample = new Option<string?>("--sample") { Description = "The subject whose rows in each probable link are counted (default: the smallest key)." };
        var map = new Command("map", "Show where a subject's data lives: tables, join paths, redacted columns, probable links, and what was done with every table (--json for tooling).") { sample };
        map.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var exports = services.GetRequiredService<SubjectExports>();
            var data = await exports.MapAsync(ct);
            var (sampled, rows) = await exports.ProbableLinkRowsAsync(data, parse.GetValue(sample), ct);
            var probable = data.ProbableLinks.Select((p, i) => new ExportMapJson.ProbableLink(p.Table.QualifiedName, p.Column.Name, p.Column.Type, i < rows.Count ? rows[i] : null)).ToList();
            if (parse.GetValue(GlobalOptions.Json))
            {
                var shape = data.Tables.Select(t => new ExportMapJson.MappedTable(t.Table.QualifiedName, t.Distance, [.. t.Paths], t.Members, [.. t.Columns.Select(c => c.Name)], t.Redacted)).ToList();
                var coverage = data.Coverage.Select(c => new ExportMapJson.CoverageLine(c.Table, c.StatusName, c.Detail)).ToList();
                await output.WriteLineAsync(CliJson.Serialize(new ExportMapJson($"{data.Subject.QualifiedName}.{data.Key.Name}", data.Key.Type, shape, probable, sampled, coverage, data.Warnings)));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"Subject: {data.Subject.QualifiedName}.{data.Key.Name} ({data.Key.Type})");
            foreach (var table in data.Tables)
            {
                var members = table.Members.Count == 0 ? string.Empty : $" (with {table.Members.Count} tables below it, read through it)";
                await output.WriteLineAsync($"{new string(' ', table.Distance * 2)}{table.Table.QualifiedName}{(table.Distance == 0 ? " (subject)" : string.Empty)}{members}");
                foreach (var p in table.Paths)
                {
                    await output.WriteLineAsync($"{new string(' ', (table.Distance * 2) + 2)}via {p}");
                }

                if (table.Redacted.Count > 0)
                {
                    await output.WriteLineAsync($"{new string(' ', (table.Distance * 2) + 2)}redacted: {string.Join(", ", table.Redacted)}");
                }
            }

            foreach (var p in probable)
            {
                var count = p.SampleRows is { } n ? $": {n:N0} rows for sample subject {sampled}" : string.Empty;
                await output.WriteLineAsync($"PROBABLE LINK: {p.Table}.{p.Column} ({p.Type}){count}");
            }

            foreach (var warning in data.Warnings)
            {
                await output.WriteLineAsync($"WARNING: {warning}");
            }

            var counts = data.Coverage.GroupBy(c => c.StatusName).Select(g => $"{g.Count()} {g.Key}");
            await output.WriteLineAsync($"{data.Tables.Count} tables, {data.ProbableLinks.Count} probable links, {data.Warnings.Count} warnings; tables considered: {string.Join(", ", counts)}.");
            return ExitCodes.Success;
        });
        return map;
    }

    private static Command CreateTable(TextWriter output)
    {
        var name = new Argument<string>("table") { Description = "schema.table" };
        var format = new Option<string>("--format") { Description = "csv, json or ndjson.", DefaultValueFactory = _ => "csv" };
        var path = new Option<string>("--out") { Description = "The file to write, or - for standard output.", Required = true };
        var all = new Option<bool>("--all-columns") { Description = "Export every column (ignore DataGuard:Export:Redaction)." };
        var table = new Command("table", "Export a whole table in constant memory.") { name, format, path, all };
        table.SetAction(async (parse, invocation) =>
        {
            using var interrupt = new CliInterrupt(invocation);
            var ct = interrupt.Token;
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var exports = services.GetRequiredService<TableExports>();
            var file = parse.GetValue(path)!;
            IReadOnlyList<string> redacted = [];
            if (file == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                redacted = await exports.ExportAsync(parse.GetValue(name)!, parse.GetValue(format)!, stdout, !parse.GetValue(all), ct);
                return ExitCodes.Success;
            }

            await PrivateOutputFile.WriteAsync(file, async stream => redacted = await exports.ExportAsync(parse.GetValue(name)!, parse.GetValue(format)!, stream, !parse.GetValue(all), ct));
            await output.WriteLineAsync($"Wrote {file} ({new FileInfo(file).Length:N0} bytes){(redacted.Count > 0 ? $"; left out: {string.Join(", ", redacted)}" : string.Empty)}.");
            return ExitCodes.Success;
        });
        return table;
    }

    private static Command CreateRequest(TextWriter output)
    {
        var key = new Argument<string>("key") { Description = "The subject's key." };
        var formats = new Option<string[]>("--format") { Description = "Formats (repeat): json, csv, pdf. Default: the configured ones.", AllowMultipleArgumentsPerToken = true };
        var request = new Command("request", "Queue a self-service export job for a subject (as the application would).") { key, formats };
        request.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var wanted = parse.GetValue(formats);
            var job = await services.GetRequiredService<ExportJobs>().RequestExportAsync(parse.GetValue(key)!, wanted is { Length: > 0 } ? wanted : null, $"cli:{Environment.UserName}", ct);
            await output.WriteLineAsync(parse.GetValue(GlobalOptions.Json) ? CliJson.Serialize(job) : $"Export {job.Id} queued ({string.Join(", ", job.Formats)}).");
            return ExitCodes.Success;
        });
        return request;
    }

    private static Command CreateStatus(TextWriter output)
    {
        var id = new Argument<Guid>("id") { Description = "The job's id." };
        var status = new Command("status", "Show an export job, with its download links while they live.") { id };
        status.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var job = await services.GetRequiredService<ExportJobs>().GetExportAsync(parse.GetValue(id), ct);
            if (job is null)
            {
                await output.WriteLineAsync($"No export job {parse.GetValue(id)}.");
                return ExitCodes.Failure;
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(job));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"{job.Id}: {job.Status}, requested {job.RequestedAt:O} by {job.RequestedBy}, attempts {job.Attempts}{(job.Latency is { } l ? $", ready in {l.TotalSeconds:0.0} s" : string.Empty)}{(job.Error is null ? string.Empty : $", error: {job.Error}")}");
            foreach (var a in job.Artifacts)
            {
                await output.WriteLineAsync($"  {a.Format}: {a.Size:N0} bytes, until {job.ExpiresAt:O}: {a.Link}");
            }

            return ExitCodes.Success;
        });
        return status;
    }

    private static Command CreateList(TextWriter output)
    {
        var list = new Command("list", "The latest export jobs and the queue's request-to-ready times.");
        list.SetAction(async (parse, ct) =>
        {
            await using var services = CliServices.Build(parse.GetValue(GlobalOptions.Config));
            var jobs = services.GetRequiredService<ExportJobs>();
            var latest = await jobs.ListAsync(20, ct);
            var stats = await jobs.StatsAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await output.WriteLineAsync(CliJson.Serialize(new ExportListJson(stats, latest)));
                return ExitCodes.Success;
            }

            foreach (var job in latest)
            {
                await output.WriteLineAsync($"{job.Id}  {job.Status,-8} {job.RequestedAt:O}  {string.Join(",", job.Formats)}");
            }

            await output.WriteLineAsync($"{stats.Pending} pending, {stats.Running} running, {stats.FailedLastDay} failed in the last day; request to ready p50 {stats.P50?.TotalSeconds:0.0} s, p95 {stats.P95?.TotalSeconds:0.0} s.");
            return ExitCodes.Success;
        });
        return list;
    }
}

/// <summary>The <c>--json</c> document of <c>export map</c>.</summary>
internal sealed record ExportMapJson(string Subject, string KeyType, IReadOnlyList<ExportMapJson.MappedTable> Tables, IReadOnlyList<ExportMapJson.ProbableLink> ProbableLinks, string? Sample, IReadOnlyList<ExportMapJson.CoverageLine> Coverage, IReadOnlyList<string> Warnings)
{
    /// <summary>A table holding the subject's rows.</summary>
    internal sealed record MappedTable(string Table, int Distance, IReadOnlyList<string> Paths, IReadOnlyList<string> Members, IReadOnlyList<string> Columns, IReadOnlyList<string> Redacted);

    /// <summary>A column that looks like a link to the subject but has no foreign key.</summary>
    internal sealed record ProbableLink(string Table, string Column, string Type, long? SampleRows);

    /// <summary>What the export does with a table.</summary>
    internal sealed record CoverageLine(string Table, string Status, string Detail);
}

/// <summary>The <c>--json</c> document of <c>export list</c>.</summary>
internal sealed record ExportListJson(ExportQueueStats Stats, IReadOnlyList<ExportJob> Jobs);
