using System.Text.Json;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Cli;

public sealed class DoctorCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task All_checks_pass_against_the_throwaway_services_with_disk_storage()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { Provider = "FileSystem", FileSystem = new { Root = Path.Combine(_cli.Folder, "store") } },
        });

        var result = await _cli.RunAsync("doctor", "--config", config);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Matches(@"OK\s+configuration", result.Output);
        Assert.Matches(@"OK\s+postgres\s+PostgreSQL \d+", result.Output);
        Assert.Matches(@"OK\s+pg_dump\s+\d+\.\d+", result.Output);
        Assert.Matches(@"OK\s+pg_restore\s+\d+\.\d+", result.Output);
        Assert.Matches(@"OK\s+storage\s+FileSystem", result.Output);
        Assert.DoesNotContain("FAIL", result.Output);
        Assert.DoesNotContain(Password(database.ConnectionString), result.All);
    }

    [Fact]
    public async Task All_checks_pass_with_S3_storage_and_json_output()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var bucket = await TestS3.CreateBucketAsync();
        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new
            {
                S3 = new { Bucket = bucket.Name, Prefix = "doctor", ServiceUrl = bucket.Server.Endpoint, AccessKeyId = bucket.Server.AccessKey, SecretAccessKey = bucket.Server.SecretKey },
            },
        });

        var result = await _cli.RunAsync("doctor", "--config", config, "--json");

        Assert.True(result.ExitCode == 0, result.All);
        using var json = JsonDocument.Parse(result.Output);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.All(checks, c => Assert.True(c.GetProperty("ok").GetBoolean(), c.ToString()));
        var storage = checks.Single(c => c.GetProperty("name").GetString() == "storage");
        Assert.Contains($"s3://{bucket.Name}/doctor/", storage.GetProperty("detail").GetString());
        Assert.DoesNotContain(bucket.Server.SecretKey, result.All);
    }

    [Fact]
    public async Task Wrong_password_is_a_FAIL_line_that_does_not_echo_the_password()
    {
        var server = await TestPostgres.GetServerAsync();
        const string wrong = "Wr0ng-Pa55word-xyz";
        var builder = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Password = wrong };
        var config = _cli.WriteConfig(new
        {
            Postgres = new { builder.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(_cli.Folder, "store") } },
        });

        var result = await _cli.RunAsync("doctor", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"FAIL\s+postgres\s+cannot connect to .*password authentication failed", result.Output);
        Assert.DoesNotContain(wrong, result.All);
        Assert.DoesNotContain(Password(server.AdminConnectionString), result.All);
    }

    [Fact]
    public async Task Unreachable_S3_endpoint_is_a_FAIL_line_naming_the_endpoint()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await using var s3 = await PrivateS3rver.StartAsync();
        s3.Kill();
        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { S3 = new { Bucket = "b", ServiceUrl = s3.Endpoint, AccessKeyId = "AKIATEST", SecretAccessKey = "very-secret-key-123", MaxRetries = 0 } },
        });

        var result = await _cli.RunAsync("doctor", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches($@"FAIL\s+storage\s+S3 .*{s3.Endpoint}", result.Output);
        Assert.DoesNotContain("very-secret-key-123", result.All);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_pg_dump_older_than_the_server_is_a_FAIL_line_naming_both_versions()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        var tools = Path.Combine(_cli.Folder, "old-tools");
        Directory.CreateDirectory(tools);
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            var path = Path.Combine(tools, tool);
            await File.WriteAllTextAsync(path, $"#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var config = _cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString, ToolsDirectory = tools },
            Storage = new { FileSystem = new { Root = Path.Combine(_cli.Folder, "store") } },
        });

        var result = await _cli.RunAsync("doctor", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"FAIL\s+pg_dump\s+pg_dump 9\.6 .* older than the server \(PostgreSQL \d+\.\d+\)", result.Output);
        Assert.Matches(@"FAIL\s+pg_restore\s+pg_restore 9\.6", result.Output);
    }

    [Fact]
    public async Task Invalid_configuration_fails_every_check_that_needs_it_and_names_the_options()
    {
        var config = _cli.WriteConfig(new { Backup = new { Schedule = "61 * * * *" } });

        var result = await _cli.RunAsync("doctor", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("DataGuard:Postgres:ConnectionString is required", result.Output);
        Assert.Contains("DataGuard:Storage:FileSystem:Root is required", result.Output);
        Assert.Contains("DataGuard:Backup:Schedule", result.Output);
    }

    [Fact]
    public async Task A_missing_configuration_file_is_a_usage_error()
    {
        var result = await _cli.RunAsync("doctor", "--config", Path.Combine(_cli.Folder, "nope.json"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nope.json", result.Error);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("doctor", "--no-such-option")]
    public async Task Unknown_commands_and_options_are_usage_errors(params string[] args)
    {
        var result = await _cli.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("dataguard --help", result.Error);
    }

    [Fact]
    public async Task Help_and_version_succeed()
    {
        var help = await _cli.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("doctor", help.Output);
        var version = await _cli.RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output);
    }

    private static string Password(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Password!;
}
