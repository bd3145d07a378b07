using DataGuard.IntegrationTests.Cli;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary><c>dataguard supabase ...</c> and <c>dataguard doctor</c> with Supabase configured, against the Management API stand-in.</summary>
public sealed class SupabaseCommandTests
{
    private const string ProjectRef = "zyxwvutsrqponmlkjihg";
    private const string Token = "sbp_2222222222222222222222222222222222222222";

    [Fact]
    public async Task Supabase_status_prints_the_platform_report_and_never_the_token()
    {
        await using var stub = new ManagementApiStub(ProjectRef, Token);
        using var cli = new CliRunner();
        var config = cli.WriteConfig(Config(stub, Token, "Host=127.0.0.1;Port=5432;Database=app;Username=app"));

        var json = await cli.RunAsync("supabase", "status", "--json", "--config", config);
        Assert.True(json.ExitCode == 0, json.All);
        Assert.Contains("\"pitrAddon\": \"pitr_7\"", json.Output, StringComparison.Ordinal);
        Assert.Contains("\"projectStatus\": \"ACTIVE_HEALTHY\"", json.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, json.All, StringComparison.Ordinal);

        var wrong = cli.WriteConfig(Config(stub, "sbp_3333333333333333333333333333333333333333", "Host=127.0.0.1;Port=5432;Database=app;Username=app"));
        var refused = await cli.RunAsync("supabase", "status", "--config", wrong);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("sbp_3333333333333333333333333333333333333333", refused.All, StringComparison.Ordinal);

        var unconfirmed = await cli.RunAsync("supabase", "pitr", "restore", "--time", "2026-11-29T10:00:00Z", "--config", config);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("Nothing was asked", unconfirmed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(stub.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Any_command_refuses_the_transaction_pooler_saying_which_connection_to_use()
    {
        await using var stub = new ManagementApiStub(ProjectRef, Token);
        using var cli = new CliRunner();
        var config = cli.WriteConfig(Config(stub, Token, "Host=aws-0-eu-central-1.pooler.supabase.com;Port=6543;Database=postgres;Username=postgres.zyxwvutsrqponmlkjihg;Password=pooler-Secret-1"));
        var backup = await cli.RunAsync("backup", "run", "--config", config);
        Assert.Equal(2, backup.ExitCode);
        Assert.Contains("transaction pooler", backup.Error, StringComparison.Ordinal);
        Assert.Contains("Port=5432", backup.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("pooler-Secret-1", backup.All, StringComparison.Ordinal);
    }

    private static object Config(ManagementApiStub stub, string token, string connectionString) => new
    {
        Postgres = new { ConnectionString = connectionString },
        Storage = new { FileSystem = new { Root = Path.Combine(Path.GetTempPath(), "dataguard-supabase-cli") } },
        Supabase = new { ProjectRef = stub.ProjectRef, AccessToken = token, ManagementApiUrl = stub.Url },
    };
}
