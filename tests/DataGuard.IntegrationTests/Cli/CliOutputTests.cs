using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Cli;

/// <summary>
/// The CLI as an operator's shell starts it (<c>dotnet DataGuard.Cli.dll</c>): it calls itself <c>dataguard</c>, its
/// standard output and error carry no framework log line unless <c>--verbose</c>, and no log line carries a secret.
/// </summary>
public sealed partial class CliOutputTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Help_says_dataguard_in_its_usage_lines_when_run_from_the_dll()
    {
        var (code, output, error) = await CliProcess.RunAsync(["--help"]);
        Assert.True(code == 0, output + error);
        Assert.Contains($"Usage:{Environment.NewLine}  dataguard [command] [options]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DataGuard.Cli", output, StringComparison.Ordinal);

        (code, output, error) = await CliProcess.RunAsync(["backup", "run", "--help"]);
        Assert.True(code == 0, output + error);
        Assert.Contains("  dataguard backup run [options]", output, StringComparison.Ordinal);
        Assert.Contains("--verbose", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_prints_its_table_and_no_log_line_unless_verbose()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { Provider = "FileSystem", FileSystem = new { Root = Path.Combine(_cli.Folder, "store") } },
        });

        // No backup and no drill yet: both health checks are unhealthy, which the health-check service logs as errors.
        var (code, output, error) = await CliProcess.RunAsync(["status", "--config", config]);
        Assert.True(code == 1, output + error);
        Assert.StartsWith("FAIL  backup", output, StringComparison.Ordinal);
        Assert.Empty(LogLines(output));
        Assert.Empty(LogLines(error));
        Assert.Equal(string.Empty, error);

        (code, output, error) = await CliProcess.RunAsync(["status", "--verbose", "--config", config]);
        Assert.True(code == 1, output + error);
        Assert.StartsWith("FAIL  backup", output, StringComparison.Ordinal);
        Assert.Empty(LogLines(output));
        Assert.Contains(LogLines(error), l => l.StartsWith("fail: Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService[", StringComparison.Ordinal));
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_logs_of_an_encrypted_backup_to_S3_carry_no_password_and_no_key()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var bucket = await TestS3.CreateBucketAsync();
        var s3 = bucket.Server.Options(bucket.Name, "verbose");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { Provider = "S3", S3 = new { s3.Bucket, s3.Prefix, s3.ServiceUrl, s3.AccessKeyId, s3.SecretAccessKey } },
            Backup = new { Encryption = new { KeyId = "k1", Key = key } },
        });

        var (code, output, error) = await CliProcess.RunAsync(["backup", "run", "--verbose", "--config", config]);

        Assert.True(code == 0, output + error);
        Assert.Contains(LogLines(error), l => l.StartsWith("info: DataGuard.Backup.BackupService[", StringComparison.Ordinal));
        Assert.Empty(LogLines(output));
        var all = output + error;
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, all, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.SecretAccessKey!, all, StringComparison.Ordinal);
        Assert.DoesNotContain(key, all, StringComparison.Ordinal);
    }

    private static List<string> LogLines(string text) =>
        [.. text.Split('\n').Where(l => LogLine().IsMatch(l) || l.Contains("Microsoft.", StringComparison.Ordinal))];

    [GeneratedRegex(@"^(trce|dbug|info|warn|fail|crit): [\w.]+\[\d+\] ")]
    private static partial Regex LogLine();
}
