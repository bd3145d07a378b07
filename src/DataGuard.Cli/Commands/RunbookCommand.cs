using System.CommandLine;
using System.Globalization;
using DataGuard.Configuration;
using DataGuard.Postgres;
using DataGuard.Postgres.Drills;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Cli.Commands;

/// <summary><c>dataguard runbook [--out FILE]</c>: docs/runbook.md with this deployment filled in.</summary>
internal static class RunbookCommand
{
    public static Command Create(TextWriter output)
    {
        var path = new Option<string?>("--out") { Description = "Write to this file instead of standard output." };
        var command = new Command("runbook", "Print the disaster-recovery runbook for the configured deployment (storage, database, the last drill's RTO and RPO).") { path };
        command.SetAction(async (parse, ct) =>
        {
            var config = parse.GetValue(GlobalOptions.Config);
            await using var services = CliServices.Build(config);
            var text = await RenderAsync(services, config ?? "dataguard.json", ct);
            if (parse.GetValue(path) is { } file)
            {
                await PrivateOutputFile.WriteAsync(file, stream => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).AsTask());
                await output.WriteLineAsync($"Wrote {file}.");
            }
            else
            {
                await output.WriteAsync(text);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    internal static string Template()
    {
        using var stream = typeof(RunbookCommand).Assembly.GetManifestResourceStream("runbook.md")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static async Task<string> RenderAsync(IServiceProvider services, string config, CancellationToken cancellationToken)
    {
        var backup = services.GetRequiredService<IOptions<DataGuard.Backup.BackupOptions>>().Value;
        var connection = new NpgsqlConnectionStringBuilder(services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString ?? string.Empty);
        var storage = services.GetRequiredService<IBackupStorage>();
        var s3 = storage.ProviderName == S3StorageOptions.ProviderName ? services.GetService<IOptions<S3StorageOptions>>()?.Value : null;
        var drillOptions = services.GetRequiredService<IOptions<DrillOptions>>().Value;
        string lastDrill, rto, rpo;
        try
        {
            var reports = await services.GetRequiredService<DrillService>().ListAsync(1, cancellationToken);
            var last = reports.Count == 0 ? null : reports[0];
            lastDrill = last is null ? "none yet: run `dataguard drill run`" : $"{last.Id}, {(last.Passed ? "passed" : "FAILED")}, backup {last.BackupId}";
            rto = last?.RtoSeconds is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:F0} s") : "not measured yet";
            rpo = last?.RpoSeconds is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p / 3600:F1} h") : "not measured yet";
        }
        catch (Exception ex) when (ex is DataGuardException or IOException)
        {
            lastDrill = CliLogging.Scrub($"unknown (the drill reports cannot be read: {ex.Message})");
            rto = rpo = "unknown";
        }

        var isS3 = s3 is not null;
        var values = new Dictionary<string, string>
        {
            ["<database>"] = connection.Database ?? "app",
            ["<host>"] = connection.Host ?? "localhost",
            ["<port>"] = connection.Port.ToString(CultureInfo.InvariantCulture),
            ["<storage>"] = storage.Location,
            ["<bucket>"] = isS3 ? s3?.Bucket ?? "-" : "(local disk)",
            ["<prefix>"] = isS3 ? (string.IsNullOrEmpty(s3?.Prefix) ? "(none)" : s3.Prefix) : "-",
            ["<config>"] = config,
            ["<rpo-target>"] = string.Create(CultureInfo.InvariantCulture, $"{backup.Rpo.TotalHours:0.#} h"),
            ["<rto-target>"] = string.Create(CultureInfo.InvariantCulture, $"{drillOptions.RtoTarget.TotalHours:0.#} h"),
            ["<last-drill>"] = lastDrill,
            ["<rto>"] = rto,
            ["<rpo>"] = rpo,
        };
        var text = Template();
        foreach (var (placeholder, value) in values)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }

        return text.Replace("# DataGuard disaster-recovery runbook", $"# DataGuard disaster-recovery runbook: {values["<database>"]} on {values["<host>"]}", StringComparison.Ordinal);
    }
}
