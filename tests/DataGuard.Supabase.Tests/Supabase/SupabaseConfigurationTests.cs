using DataGuard.DependencyInjection;
using DataGuard.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Supabase;

/// <summary>AddSupabase's options at start-up: the transaction pooler refused with the way out, bad options named, the preset on by default, unknown keys reported; no secret echoed.</summary>
public class SupabaseConfigurationTests
{
    private const string Password = "pw-Secr3t-9876";
    private const string Token = "sbp_1111111111111111111111111111111111111111";

    [Theory]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=6543;Database=postgres;Username=postgres.abcdefghijklmnopqrst")]
    [InlineData("Host=db.example.internal;Port=6543;Database=postgres;Username=postgres")]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=6544;Database=postgres;Username=postgres.abcdefghijklmnopqrst")]
    public async Task The_transaction_pooler_is_refused_at_start_up_naming_the_connections_to_use(string connection)
    {
        var error = await StartAndFailAsync(new() { ["DataGuard:Postgres:ConnectionString"] = $"{connection};Password={Password}" });
        Assert.Contains("transaction pooler", error, StringComparison.Ordinal);
        Assert.Contains("db.<project-ref>.supabase.co", error, StringComparison.Ordinal);
        Assert.Contains("session pooler", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=aws-0-eu-central-1.pooler.supabase.com;Port=5432;Database=postgres;Username=postgres.abcdefghijklmnopqrst")]
    [InlineData("Host=db.abcdefghijklmnopqrst.supabase.co;Port=5432;Database=postgres;Username=postgres")]
    public async Task The_direct_connection_and_the_session_pooler_start(string connection)
    {
        using var host = BuildHost(new() { ["DataGuard:Postgres:ConnectionString"] = connection });
        await host.StartAsync();
        Assert.Equal("Supabase", host.Services.GetRequiredService<IOptions<PostgresOptions>>().Value.Dump.Preset);
        await host.StopAsync();
    }

    [Fact]
    public async Task Bad_Supabase_options_are_named_without_echoing_the_token()
    {
        var error = await StartAndFailAsync(new()
        {
            ["DataGuard:Supabase:ProjectRef"] = "Not-A-Ref",
            ["DataGuard:Supabase:AccessToken"] = Token,
            ["DataGuard:Supabase:ManagementApiUrl"] = "ftp://x",
            ["DataGuard:Supabase:Storage:Endpoint"] = "https://abcdefghijklmnopqrst.storage.supabase.co/storage/v1/s3",
        });
        Assert.Contains("DataGuard:Supabase:ProjectRef 'Not-A-Ref' is not a project reference", error, StringComparison.Ordinal);
        Assert.Contains("DataGuard:Supabase:ManagementApiUrl", error, StringComparison.Ordinal);
        Assert.Contains("DataGuard:Supabase:Storage:AccessKeyId and DataGuard:Supabase:Storage:SecretAccessKey are required", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_Supabase_key_and_an_unregistered_preset_fail_at_start_up()
    {
        var typo = await StartAndFailAsync(new() { ["DataGuard:Supabase:Storage:Bucketz:0"] = "avatars" });
        Assert.Contains("DataGuard:Supabase:Storage:Bucketz is not a DataGuard option; did you mean Buckets?", typo, StringComparison.Ordinal);

        var host = Host.CreateApplicationBuilder();
        host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataGuard:Postgres:ConnectionString"] = "Host=127.0.0.1;Database=app;Username=app",
            ["DataGuard:Storage:FileSystem:Root"] = "/tmp/dataguard-tests",
            ["DataGuard:Postgres:Dump:Preset"] = "Supabase",
            ["DataGuard:Supabase:ProjectRef"] = "abcdefghijklmnopqrst",
        });
        host.Services.AddDataGuard().AddPostgres();
        using var built = host.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => built.StartAsync());
        Assert.Contains("AddSupabase()", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSupabase_twice_adds_nothing_twice_and_an_explicit_empty_preset_stays_plain()
    {
        var once = new ServiceCollection();
        once.AddDataGuard().AddPostgres().AddSupabase();
        var twice = new ServiceCollection();
        twice.AddDataGuard().AddPostgres().AddSupabase().AddSupabase();
        Assert.Equal(once.Count, twice.Count);

        once.Configure<PostgresOptions>(o =>
        {
            o.ConnectionString = "Host=127.0.0.1;Database=app;Username=app";
            o.Dump.Preset = string.Empty;
        });
        using var provider = once.BuildServiceProvider();
        Assert.Equal(string.Empty, provider.GetRequiredService<IOptions<PostgresOptions>>().Value.Dump.Preset);
    }

    private static async Task<string> StartAndFailAsync(Dictionary<string, string?> settings)
    {
        using var host = BuildHost(settings);
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        return ex.Message;
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["DataGuard:Postgres:ConnectionString"] = "Host=127.0.0.1;Database=app;Username=app",
            ["DataGuard:Storage:FileSystem:Root"] = "/tmp/dataguard-tests",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var host = Host.CreateApplicationBuilder();
        host.Configuration.AddInMemoryCollection(all);
        host.Services.AddDataGuard().AddPostgres().AddSupabase();
        return host.Build();
    }
}
