using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.IntegrationTests.Retention;

public sealed class RetentionRunnerTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();

        // 200,000 rows spread over three years; customer 42's rows are what the legal hold protects.
        await _database.ExecuteAsync("""
            CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL, note text);
            INSERT INTO audit_log (customer_id, created_at, note)
            SELECT g % 1000, now() - (g % 1095) * interval '1 day' - interval '1 hour', 'event ' || g FROM generate_series(1, 200000) g;
            CREATE TABLE notes (id int, body text);
            """);
    }

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task Dry_run_changes_nothing_and_a_run_deletes_exactly_the_expired_rows_not_held()
    {
        await using var services = Build(new RetentionPolicyOptions { Name = "audit", Table = "public.audit_log", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(365) });
        var hold = await services.GetRequiredService<LegalHolds>().PlaceAsync("public.audit_log", "customer_id", "42", "litigation 2026-17");
        var expired = await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '365 days'");
        var expiredHeld = await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '365 days' AND customer_id = 42");
        var before = await CountAsync("SELECT count(*) FROM audit_log");
        var runner = services.GetRequiredService<RetentionRunner>();

        var dry = (await runner.RunAsync(dryRun: true))!;
        var planned = Assert.Single(dry.Results);
        Assert.Equal(expired - expiredHeld, planned.RowsAffected);
        Assert.Equal(expiredHeld, planned.RowsHeld);
        Assert.Equal(5, planned.SampleKeys.Count);
        Assert.True(planned.Oldest < planned.Newest);
        Assert.Equal(before, await CountAsync("SELECT count(*) FROM audit_log"));

        var run = (await runner.RunAsync())!;
        var done = Assert.Single(run.Results);
        Assert.Equal(expired - expiredHeld, done.RowsAffected);
        Assert.True(done.Batches >= (expired - expiredHeld) / 5000);
        Assert.Equal(before - done.RowsAffected, await CountAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '365 days' AND customer_id <> 42"));
        Assert.Equal(expiredHeld, await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '365 days' AND customer_id = 42"));
        Assert.Equal(2, await CountAsync("SELECT count(*) FROM dataguard.retention_runs"));
        Assert.Equal(done.RowsAffected, await CountAsync($"SELECT rows_affected FROM dataguard.retention_results WHERE run_id = {run.RunId}"));

        // Released, the held rows go on the next run.
        Assert.True(await services.GetRequiredService<LegalHolds>().ReleaseAsync(hold.Id));
        var next = (await runner.RunAsync())!;
        Assert.Equal(expiredHeld, Assert.Single(next.Results).RowsAffected);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '365 days'"));
    }

    [Theory]
    [InlineData("public.nope", "created_at", "does not exist")]
    [InlineData("public.audit_log", "nope", "does not exist")]
    [InlineData("public.audit_log", "note", "not a date, timestamp or timestamptz")]
    [InlineData("public.audit_log", "created_at\"; DROP TABLE notes; --", "does not exist")]
    public async Task Bad_identifiers_fail_naming_the_policy_and_change_nothing(string table, string column, string message)
    {
        await using var services = Build(new RetentionPolicyOptions { Name = "broken", Table = table, TimestampColumn = column, MaxAge = TimeSpan.FromDays(30) });
        var ex = await Assert.ThrowsAsync<DataGuardException>(() => services.GetRequiredService<RetentionRunner>().RunAsync());
        Assert.Contains("'broken'", ex.Message);
        Assert.Contains(message, ex.Message);
        Assert.Equal(200000, await CountAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM notes"));
    }

    [Fact]
    public void A_negative_age_is_a_start_up_error_naming_the_policy()
    {
        using var services = Build(new RetentionPolicyOptions { Name = "backwards", Table = "public.audit_log", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(-1) });
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RetentionOptions>>().Value);
        Assert.Contains("('backwards'): MaxAge must be positive", ex.Message);
    }

    [Fact]
    public async Task The_command_line_places_lists_and_releases_holds_and_runs_retention()
    {
        using var cli = new DataGuard.IntegrationTests.Cli.CliRunner();
        var config = cli.WriteConfig(new
        {
            Postgres = new { _database.ConnectionString },
            Storage = new { FileSystem = new { Root = Path.Combine(cli.Folder, "store") } },
            Retention = new { Policies = new[] { new { Name = "audit", Table = "public.audit_log", TimestampColumn = "created_at", MaxAge = "730.00:00:00" } } },
        });

        var place = await cli.RunAsync("hold", "place", "--table", "public.audit_log", "--column", "customer_id", "--value", "7", "--reason", "audit request", "--config", config);
        Assert.True(place.ExitCode == 0, place.All);
        var list = await cli.RunAsync("hold", "list", "--config", config);
        Assert.Contains("public.audit_log.customer_id = '7'  audit request", list.Output);

        var dry = await cli.RunAsync("retention", "run", "--dry-run", "--config", config);
        Assert.True(dry.ExitCode == 0, dry.All);
        Assert.Contains("audit: would delete", dry.Output);
        Assert.Equal(200000, await CountAsync("SELECT count(*) FROM audit_log"));

        var run = await cli.RunAsync("retention", "run", "--config", config);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("audit: deleted", run.Output);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '730 days' AND customer_id <> 7"));

        var status = await cli.RunAsync("retention", "status", "--config", config);
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Contains("(dry run)", status.Output);
        Assert.Contains("audit: Delete", status.Output);

        Assert.Equal(0, (await cli.RunAsync("hold", "release", "1", "--config", config)).ExitCode);
        Assert.Contains("No holds.", (await cli.RunAsync("hold", "list", "--config", config)).Output);
    }

    [Fact]
    public async Task Two_hosts_at_once_one_runs()
    {
        var policy = new RetentionPolicyOptions { Name = "audit", Table = "public.audit_log", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30) };
        await using var a = Build(policy);
        await using var b = Build(policy);
        var results = await Task.WhenAll(a.GetRequiredService<RetentionRunner>().RunAsync(), b.GetRequiredService<RetentionRunner>().RunAsync());
        Assert.Single(results, r => r is not null);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM dataguard.retention_runs"));
    }

    private ServiceProvider Build(RetentionPolicyOptions policy)
    {
        var services = new ServiceCollection();
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        services.Configure<RetentionOptions>(o => o.Policies.Add(policy));
        return services.BuildServiceProvider();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
