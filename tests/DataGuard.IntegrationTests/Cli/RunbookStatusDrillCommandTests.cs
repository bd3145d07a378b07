using System.Text;
using System.Text.Json;
using DataGuard.IntegrationTests.Backup;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Cli;

public sealed class RunbookStatusDrillCommandTests
{
    [Fact]
    public async Task Drill_status_and_the_rendered_runbook_work_from_the_command_line()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await SampleData.SeedAsync(database.ConnectionString, users: 40);
        await using var bucket = await TestS3.CreateBucketAsync();
        using var cli = new CliRunner();
        var s3 = bucket.Server.Options(bucket.Name, "prod/app");
        var config = cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { Provider = "S3", S3 = new { s3.Bucket, s3.Prefix, s3.ServiceUrl, s3.AccessKeyId, s3.SecretAccessKey } },
            Drills = new { Checks = new[] { new { Name = "users", Sql = "SELECT count(*) FROM public.users", Expected = "40" } } },
        });

        var before = await cli.RunAsync("status", "--config", config);
        Assert.Equal(1, before.ExitCode);
        Assert.Contains("FAIL  backup", before.Output, StringComparison.Ordinal);

        Assert.True((await cli.RunAsync("backup", "run", "--config", config)).ExitCode == 0);
        var drill = await cli.RunAsync("drill", "run", "--config", config);
        Assert.True(drill.ExitCode == 0, drill.All);
        Assert.Contains("PASSED", drill.Output, StringComparison.Ordinal);
        Assert.Contains("OK       users: = 40", drill.Output, StringComparison.Ordinal);
        Assert.Contains("passed", (await cli.RunAsync("drill", "list", "--config", config)).Output, StringComparison.Ordinal);

        var status = await cli.RunAsync("status", "--json", "--config", config);
        Assert.True(status.ExitCode == 0, status.All);
        var items = JsonDocument.Parse(status.Output).RootElement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("part").GetString()!, i => i.GetProperty("state").GetString());
        Assert.Equal("Ok", items["backup"]);
        Assert.Equal("Ok", items["drill"]);
        Assert.Equal("Off", items["pitr"]);
        Assert.Equal("Off", items["retention"]);

        var file = Path.Combine(cli.Folder, "runbook.md");
        Assert.Equal(0, (await cli.RunAsync("runbook", "--out", file, "--config", config)).ExitCode);
        var runbook = await File.ReadAllTextAsync(file);
        Assert.Contains($"bucket `{bucket.Name}`, prefix `prod/app`", runbook, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket.Name}/prod/app", runbook, StringComparison.Ordinal);
        Assert.Contains($"`{database.Name}` on `127.0.0.1:", runbook, StringComparison.Ordinal);
        Assert.Contains("passed, backup", runbook, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.SecretAccessKey!, runbook, StringComparison.Ordinal);
        Assert.DoesNotContain("<rto>", runbook, StringComparison.Ordinal);
        AssertEveryCommandParses(runbook, minimum: 20);
        AssertEveryCommandParses(DataGuard.Cli.Commands.RunbookCommand.Template(), minimum: 20);
    }

    private static void AssertEveryCommandParses(string markdown, int minimum)
    {
        var root = DataGuard.Cli.CliApplication.CreateRootCommand(TextWriter.Null, TextWriter.Null);
        var commands = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("dataguard ", StringComparison.Ordinal)).ToList();
        Assert.True(commands.Count >= minimum, $"only {commands.Count} command lines");
        foreach (var line in commands)
        {
            var result = root.Parse(Tokenize(line).Skip(1).ToArray());
            Assert.True(result.Errors.Count == 0, $"{line}: {string.Join("; ", result.Errors.Select(e => e.Message))}");
        }
    }

    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }
}
