using System.Text.Json;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// Passwords and the pg tools: a child never has one in its environment (it is in a 0600 password file of its own,
/// deleted once the child ends, also on cancellation), a restore target's password never comes from the command line,
/// and what does come from the environment or a file works against the real server (scram).
/// </summary>
public sealed class PgToolSecretsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dataguard-secrets-{Guid.NewGuid():N}");

    public PgToolSecretsTests() => Directory.CreateDirectory(_folder);

    private string Records => Path.Combine(_folder, "records");

    private string Tools => Path.Combine(_folder, "tools");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Pg_tools_get_the_password_in_a_0600_password_file_never_in_their_environment_and_the_file_is_gone_afterwards()
    {
        await WriteRecordingToolsAsync();
        await using var harness = await BackupHarness.CreateAsync(postgres: o => o.ToolsDirectory = Tools);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var password = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!;

        var manifest = await harness.Backups.RunAsync();
        var restored = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName(), Create = true });
        Assert.True(restored.RowCountsMatch);

        var runs = ReadRecords();
        Assert.Contains(runs, r => r.Tool == "pg_dump");
        Assert.Contains(runs, r => r.Tool == "pg_restore" && r.Arguments.Contains("--list", StringComparison.Ordinal));
        Assert.Contains(runs, r => r.Tool == "pg_restore" && r.Arguments.Contains("--dbname=", StringComparison.Ordinal));
        foreach (var run in runs)
        {
            Assert.DoesNotContain("PGPASSWORD", run.Environment.Keys);
            Assert.DoesNotContain(run.Environment, v => v.Value.Contains(password, StringComparison.Ordinal) && !IsTestInfrastructure(v.Key));
            Assert.DoesNotContain(password, run.Arguments, StringComparison.Ordinal);
            if (run.Arguments.Contains("--list", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("PGPASSFILE", run.Environment.Keys);
                continue;
            }

            var passfile = run.Environment["PGPASSFILE"];
            Assert.Equal("600", run.FileMode);
            Assert.Equal("700", run.DirectoryMode);
            Assert.False(File.Exists(passfile), $"{passfile} was left behind by {run.Tool}");
            Assert.False(Directory.Exists(Path.GetDirectoryName(passfile)), $"the folder of {passfile} was left behind");
        }
    }

    [Fact]
    public async Task A_running_pg_tool_has_no_password_in_its_proc_environ_and_its_password_file_goes_on_cancellation()
    {
        await WriteRecordingToolsAsync(sleepSeconds: 60);
        await using var harness = await BackupHarness.CreateAsync(postgres: o => o.ToolsDirectory = Tools);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var password = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!;

        using var cts = new CancellationTokenSource();
        var backup = harness.Backups.RunAsync(cancellationToken: cts.Token);
        string passfile;
        try
        {
            await Eventually.WaitUntilAsync(() => Task.FromResult(ReadRecords().Any(r => r.Tool == "pg_dump")), TimeSpan.FromSeconds(30));
            var run = ReadRecords().Single(r => r.Tool == "pg_dump");

            // While it runs: what the kernel shows every process of the same user.
            var environ = (await File.ReadAllTextAsync($"/proc/{run.Pid}/environ")).Split('\0').Where(v => !IsTestInfrastructure(v.Split('=')[0])).ToList();
            Assert.NotEmpty(environ);
            Assert.DoesNotContain(environ, v => v.StartsWith("PGPASSWORD=", StringComparison.Ordinal));
            Assert.DoesNotContain(environ, v => v.Contains(password, StringComparison.Ordinal));
            passfile = run.Environment["PGPASSFILE"];
            Assert.True(File.Exists(passfile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passfile));
        }
        finally
        {
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup);
        }

        Assert.False(File.Exists(passfile), "the password file outlived the cancelled pg_dump");
        Assert.False(Directory.Exists(Path.GetDirectoryName(passfile)));
    }

    [Fact]
    public async Task The_restore_target_password_comes_from_the_environment_or_a_file_and_works_against_the_real_server()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var manifest = await harness.Backups.RunAsync();
        var config = WriteConfig(harness);
        var admin = new NpgsqlConnectionStringBuilder((await TestPostgres.GetServerAsync()).AdminConnectionString);
        var password = admin.Password!;
        string Target(string database) => new NpgsqlConnectionStringBuilder { Host = admin.Host, Port = admin.Port, Username = admin.Username, Database = database }.ConnectionString;

        // From the environment.
        var first = harness.NewDatabaseName();
        var (code, output, error) = await CliProcess.RunAsync(
            ["restore", manifest.Id, "--to-connection", Target(first), "--create", "--config", config],
            new Dictionary<string, string> { ["DATAGUARD_TARGET_PASSWORD"] = password });
        Assert.True(code == 0, output + error);
        Assert.Contains("Row counts match the manifest.", output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, output + error, StringComparison.Ordinal);

        // From a file (first line), with --json.
        var file = Path.Combine(_folder, "target-password");
        await File.WriteAllTextAsync(file, password + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var second = harness.NewDatabaseName();
        (code, output, error) = await CliProcess.RunAsync(["restore", manifest.Id, "--to-connection", Target(second), "--to-password-file", file, "--create", "--json", "--config", config]);
        Assert.True(code == 0, output + error);
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("rowCountsMatch").GetBoolean());
        Assert.DoesNotContain(password, output + error, StringComparison.Ordinal);
        Assert.Equal(10, await SampleData.ScalarAsync(harness.ConnectionString(second), "SELECT count(*) FROM users"));
    }

    [Fact]
    public async Task An_inherited_PGPASSWORD_reaches_pg_restore_as_it_reaches_Npgsql()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var manifest = await harness.Backups.RunAsync();
        var config = WriteConfig(harness);
        var admin = new NpgsqlConnectionStringBuilder((await TestPostgres.GetServerAsync()).AdminConnectionString);
        var target = new NpgsqlConnectionStringBuilder { Host = admin.Host, Port = admin.Port, Username = admin.Username, Database = harness.NewDatabaseName() }.ConnectionString;

        var (code, output, error) = await CliProcess.RunAsync(
            ["restore", manifest.Id, "--to-connection", target, "--create", "--config", config],
            new Dictionary<string, string> { ["PGPASSWORD"] = admin.Password! });

        Assert.True(code == 0, output + error);
        Assert.Contains("Row counts match the manifest.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Password")]
    [InlineData("SSL Password")]
    public async Task A_password_on_the_command_line_is_refused_without_being_echoed(string keyword)
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 5);
        var manifest = await harness.Backups.RunAsync();
        var target = harness.NewDatabaseName();
        var admin = new NpgsqlConnectionStringBuilder((await TestPostgres.GetServerAsync()).AdminConnectionString);
        var secret = admin.Password!;
        var connection = $"Host={admin.Host};Port={admin.Port};Username={admin.Username};Database={target};{keyword}={secret}";
        using var cli = new CliRunner();

        var result = await cli.RunAsync("restore", manifest.Id, "--to-connection", connection, "--create", "--config", WriteConfig(harness));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("DATAGUARD_TARGET_PASSWORD", result.Error, StringComparison.Ordinal);
        Assert.Contains("--to-password-file", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        Assert.Equal(0, await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    /// <summary>The test run's own settings (DATAGUARD_TEST_POSTGRES holds the test server's admin password), inherited by every process of the run: not DataGuard's doing.</summary>
    private static bool IsTestInfrastructure(string variable) => variable.StartsWith("DATAGUARD_TEST_", StringComparison.Ordinal);

    private string WriteConfig(BackupHarness harness)
    {
        var path = Path.Combine(_folder, "dataguard.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            DataGuard = new
            {
                Postgres = new { harness.Database.ConnectionString },
                Storage = new { Provider = "FileSystem", FileSystem = new { Root = harness.DiskRoot } },
                Backup = new { Schedule = string.Empty },
            },
        }));
        return path;
    }

    /// <summary>
    /// pg_dump and pg_restore wrappers (in Postgres:ToolsDirectory) that record their environment, arguments and the
    /// mode of their password file, then become the real tool (same process).
    /// </summary>
    private async Task WriteRecordingToolsAsync(int sleepSeconds = 0)
    {
        Directory.CreateDirectory(Records);
        Directory.CreateDirectory(Tools);
        var real = (await TestPostgres.GetServerAsync()).BinDirectory ?? "/usr/lib/postgresql/15/bin";
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            var path = Path.Combine(Tools, tool);
            await File.WriteAllTextAsync(path, $"""
                #!/bin/sh
                if [ "$1" != "--version" ]; then
                  rec="{Records}/{tool}.$$"
                  printf '%s\n' "$*" > "$rec.args"
                  if [ -n "$PGPASSFILE" ]; then
                    stat -c '%a' "$PGPASSFILE" > "$rec.filemode"
                    stat -c '%a' "$(dirname "$PGPASSFILE")" > "$rec.dirmode"
                  fi
                  env > "$rec.tmp" && mv "$rec.tmp" "$rec.env"
                  if [ {sleepSeconds} -gt 0 ] && [ "{tool}" = "pg_dump" ]; then sleep {sleepSeconds}; fi
                fi
                exec "{real}/{tool}" "$@"

                """.Replace("\r", string.Empty, StringComparison.Ordinal));
            File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }
    }

    private List<ToolRun> ReadRecords() =>
        [.. Directory.EnumerateFiles(Records, "*.env").Select(file =>
        {
            var stem = file[..^".env".Length];
            var name = Path.GetFileName(stem);
            var environment = File.ReadAllLines(file).Where(l => l.Contains('=', StringComparison.Ordinal))
                .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            string? Read(string suffix) => File.Exists(stem + suffix) ? File.ReadAllText(stem + suffix).Trim() : null;
            return new ToolRun(name[..name.IndexOf('.', StringComparison.Ordinal)], int.Parse(name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture), environment, Read(".args") ?? string.Empty, Read(".filemode"), Read(".dirmode"));
        })];

    private sealed record ToolRun(string Tool, int Pid, Dictionary<string, string> Environment, string Arguments, string? FileMode, string? DirectoryMode);
}
