using DataGuard.Cli;

namespace DataGuard.Cli.Tests;

/// <summary>The command line alone: names, help, usage errors and their exit codes (nothing here reaches a server).</summary>
public sealed class CliParsingTests
{
    [Fact]
    public void The_root_command_is_dataguard_whatever_the_executable_is_called()
    {
        var root = CliApplication.CreateRootCommand(TextWriter.Null, TextWriter.Null);
        Assert.Equal("dataguard", root.Name);
        Assert.Contains(root.Options, o => o.Name == "--verbose");
        Assert.Contains(root.Options, o => o.Name == "--json");
        Assert.Contains(root.Options, o => o.Name == "--config");
    }

    [Fact]
    public async Task Help_names_dataguard_in_every_usage_line()
    {
        var help = await RunAsync("--help");
        Assert.Equal(ExitCodes.Success, help.Code);
        Assert.Contains("  dataguard [command] [options]", help.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("testhost", help.Output, StringComparison.Ordinal);

        var nested = await RunAsync("backup", "verify", "--help");
        Assert.Equal(ExitCodes.Success, nested.Code);
        Assert.Contains("  dataguard backup verify <id> [options]", nested.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        var version = await RunAsync("--version");
        Assert.Equal(ExitCodes.Success, version.Code);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("backup", "frobnicate")]
    [InlineData("backup", "verify")]
    [InlineData("doctor", "--no-such-option")]
    [InlineData("backup", "run", "--kind", "incremental")]
    public async Task A_bad_command_line_is_a_usage_error_that_says_where_to_look(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.StartsWith("dataguard: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'dataguard --help' for usage.", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task A_bad_wal_fetch_command_line_aborts_recovery_instead_of_ending_it()
    {
        // PostgreSQL reads restore_command exits 1..125 as "not in the archive" and would promote early.
        var result = await RunAsync("wal", "fetch", "000000010000000000000001");
        Assert.Equal(ExitCodes.WalFetchFailed, result.Code);
    }

    [Fact]
    public async Task A_missing_configuration_file_is_a_usage_error_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"dataguard-{Guid.NewGuid():N}.json");
        var result = await RunAsync("backup", "list", "--config", missing);
        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typo_in_the_configuration_fails_naming_the_key_and_the_nearest_valid_name()
    {
        var config = Path.Combine(Path.GetTempPath(), $"dataguard-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """{ "DataGuard": { "Backup": { "Schedulee": "0 3 * * *" } } }""");
        try
        {
            var result = await RunAsync("backup", "list", "--config", config);
            Assert.Equal(ExitCodes.Usage, result.Code);
            Assert.Contains("DataGuard:Backup:Schedulee", result.Error, StringComparison.Ordinal);
            Assert.Contains("Schedule", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Theory]
    [InlineData("backup list")]
    [InlineData("wal fetch 000000010000000000000001 RECOVERYXLOG")]
    [InlineData("doctor")]
    public async Task A_secret_in_the_error_line_a_command_ends_with_is_scrubbed(string commandLine)
    {
        // The error line (and doctor's report, and wal fetch's line in the server's log) does not go through the logger: a
        // configured secret that a failure's message repeats (here an invalid time zone that happens to equal the S3
        // secret key) must still not reach standard error or output.
        const string secret = "Zz-not-a-zone-91c2e7";
        var config = Path.Combine(Path.GetTempPath(), $"dataguard-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""{ "DataGuard": { "TimeZone": "{{secret}}", "Storage": { "S3": { "SecretAccessKey": "{{secret}}" } } } }""");
        try
        {
            var result = await RunAsync([.. commandLine.Split(' '), "--config", config]);
            Assert.NotEqual(ExitCodes.Success, result.Code);
            var said = result.Error + result.Output;
            Assert.Contains("DataGuard:TimeZone", said, StringComparison.Ordinal);
            Assert.Contains("***", said, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApplication.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
