using DataGuard.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.Cli.Tests;

/// <summary>What the CLI logs: only DataGuard's warnings unless --verbose, to the error writer, never a configured secret.</summary>
public sealed class CliLoggingTests
{
    private const string Password = "Pa55-w0rd-in-config";
    private const string S3Secret = "s3-secret-access-key-value";
    private const string EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    [Fact]
    public async Task Without_verbose_only_DataGuards_warnings_and_errors_are_written()
    {
        var lines = await LogAsync(verbose: false);
        Assert.Equal(["warn: DataGuard.Backup.BackupService[1202] backup failed"], lines);
    }

    [Fact]
    public async Task With_verbose_every_category_from_Information_up_is_written()
    {
        var lines = await LogAsync(verbose: true);
        Assert.Contains("info: DataGuard.Backup.BackupService[1200] started", lines);
        Assert.Contains("warn: DataGuard.Backup.BackupService[1202] backup failed", lines);
        Assert.Contains("fail: Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService[103] unhealthy", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("dbug:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task No_line_carries_a_configured_password_or_key(bool verbose)
    {
        var lines = await LogAsync(verbose, $"connecting with Password={Password}, key {S3Secret}, aes {EncryptionKey}");
        var all = string.Join('\n', lines);
        Assert.Contains("connecting with Password=***, key ***, aes ***", all, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, all, StringComparison.Ordinal);
        Assert.DoesNotContain(S3Secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(EncryptionKey, all, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_are_the_configured_passwords_keys_and_tokens_not_ordinary_names()
    {
        var secrets = CliSecrets.Collect(Configuration());
        Assert.Contains(Password, secrets);
        Assert.Contains(S3Secret, secrets);
        Assert.Contains(EncryptionKey, secrets);
        Assert.Contains("second-key-in-the-ring", secrets);
        Assert.Contains("hmac-key-for-anonymizing", secrets);
        Assert.DoesNotContain("user_id", secrets);         // Export:Subject:Key names a column
        Assert.DoesNotContain("AKIAEXAMPLE", secrets);     // an access key id is not a secret
        Assert.DoesNotContain("prod-key-1", secrets);      // nor a key id
    }

    [Fact]
    public async Task A_password_read_from_a_file_is_scrubbed_from_log_lines_and_the_error_line()
    {
        // --to-password-file's password is not in the configuration: added before the services are built, it must reach
        // both the logger and the run's error line, beside the configured secrets.
        const string filePassword = "target-password-from-a-file";
        using var error = new StringWriter();
        var scrubbed = await Task.Run(() =>
        {
            CliLogging.Use(error, verbose: true);
            CliLogging.AddSecret(filePassword);
            var services = new ServiceCollection();
            CliLogging.Add(services, Configuration());
            using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("DataGuard.Backup.BackupService")
                .LogError(new EventId(1203), "{Message}", $"restore to {filePassword} failed");
            return CliLogging.Scrub($"dataguard: {filePassword} / {Password}");
        });
        Assert.Equal("dataguard: *** / ***", scrubbed);
        Assert.DoesNotContain(filePassword, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("restore to *** failed", error.ToString(), StringComparison.Ordinal);
    }

    private static IConfiguration Configuration() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["DataGuard:Postgres:ConnectionString"] = $"Host=db;Database=app;Username=app;Password={Password}",
        ["DataGuard:Storage:S3:AccessKeyId"] = "AKIAEXAMPLE",
        ["DataGuard:Storage:S3:SecretAccessKey"] = S3Secret,
        ["DataGuard:Backup:Encryption:KeyId"] = "prod-key-1",
        ["DataGuard:Backup:Encryption:Key"] = EncryptionKey,
        ["DataGuard:Backup:Encryption:Keys:old"] = "second-key-in-the-ring",
        ["DataGuard:Retention:HmacKey"] = "hmac-key-for-anonymizing",
        ["DataGuard:Export:Subject:Key"] = "user_id",
    }).Build();

    private static async Task<List<string>> LogAsync(bool verbose, string? secretMessage = null)
    {
        using var error = new StringWriter();
        await Task.Run(() =>
        {
            CliLogging.Use(error, verbose);
            var services = new ServiceCollection();
            CliLogging.Add(services, Configuration());
            using var provider = services.BuildServiceProvider();
            var factory = provider.GetRequiredService<ILoggerFactory>();
            var backup = factory.CreateLogger("DataGuard.Backup.BackupService");
            var health = factory.CreateLogger("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService");
            var npgsql = factory.CreateLogger("Npgsql.Command");
            backup.LogDebug(new EventId(1299), "debug detail");
            backup.LogInformation(new EventId(1200), "started");
            backup.LogWarning(new EventId(1202), "backup failed");
            health.LogError(new EventId(103), "unhealthy");
            if (secretMessage is not null)
            {
                npgsql.LogError(new EventId(1), "{Message}", secretMessage);
                backup.LogError(new EventId(1203), "{Message}", secretMessage);
            }
        });
        return [.. error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)];
    }
}
