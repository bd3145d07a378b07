using DataGuard.DependencyInjection;
using DataGuard.Supabase.Management;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// The platform status through a local stand-in of the Management API (<see cref="ManagementApiStub"/>, shaped on the
/// published OpenAPI document): backups, PITR window and add-on read; 429 retried after Retry-After; 401 explained; a
/// PITR restore followed through RESTORING; a project with PITR off. The token appears in no message or log line.
/// </summary>
public sealed class SupabaseManagementTests
{
    private const string ProjectRef = "abcdefghijklmnopqrst";
    private const string Token = "sbp_0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public async Task The_status_reads_the_platform_backups_PITR_window_and_add_on_after_waiting_out_a_429()
    {
        await using var stub = new ManagementApiStub(ProjectRef, Token) { RateLimitedRequests = 1, RetryAfterSeconds = 1 };
        var logs = new CapturedLogs();
        await using var services = Build(stub, Token, logs);
        var started = DateTimeOffset.UtcNow;
        var report = await services.GetRequiredService<SupabasePlatformStatus>().GetAsync(CancellationToken.None);
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(0.9), "the 429's Retry-After was not waited out");
        Assert.True(report.Healthy, string.Join("; ", report.Problems));
        Assert.Equal("ACTIVE_HEALTHY", report.ProjectStatus);
        Assert.True(report.PitrEnabled);
        Assert.Equal("pitr_7", report.PitrAddon);
        Assert.Equal(7, report.PitrDays);
        Assert.Empty(report.Warnings);
        Assert.Contains("Warning", logs.All, StringComparison.Ordinal);
        Assert.Contains("[2110]", logs.All, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services)).Status);
        Assert.DoesNotContain(Token, logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_project_with_PITR_off_and_a_stale_daily_backup_is_unhealthy_and_a_short_PITR_window_degraded()
    {
        await using var stub = new ManagementApiStub(ProjectRef, Token) { PitrEnabled = false, PitrAddon = null, LatestBackupAge = TimeSpan.FromHours(30) };
        await using var services = Build(stub, Token, new CapturedLogs());
        var report = await services.GetRequiredService<SupabasePlatformStatus>().GetAsync(CancellationToken.None);
        Assert.False(report.PitrEnabled);
        Assert.Equal(2, report.CompletedBackups);
        Assert.Contains(report.Problems, p => p.Contains("PlatformBackupRpo", StringComparison.Ordinal));
        Assert.Contains(report.Warnings, w => w.Contains("PITR is off", StringComparison.Ordinal));
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(services)).Status);

        stub.PitrEnabled = true;
        stub.PitrAddon = "pitr_7";
        stub.LatestBackupAge = TimeSpan.FromMinutes(5);
        stub.PitrWindow = TimeSpan.FromDays(3);
        var shortWindow = await CheckAsync(services);
        Assert.Equal(HealthStatus.Degraded, shortWindow.Status);
        Assert.Contains("short of the 7-day target", shortWindow.Description, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<SupabaseApiException>(() =>
            services.GetRequiredService<SupabasePlatformStatus>().RestorePitrAsync(DateTimeOffset.UtcNow.AddDays(-30), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Contains("outside the platform's recovery window", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(stub.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_token_is_explained_without_being_echoed()
    {
        const string wrong = "sbp_ffffffffffffffffffffffffffffffffffffffff";
        await using var stub = new ManagementApiStub(ProjectRef, Token);
        var logs = new CapturedLogs();
        await using var services = Build(stub, wrong, logs);
        var ex = await Assert.ThrowsAsync<SupabaseApiException>(() => services.GetRequiredService<SupabasePlatformStatus>().GetAsync(CancellationToken.None));
        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("DataGuard:Supabase:AccessToken", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
        var health = await CheckAsync(services);
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.DoesNotContain(wrong, health.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_platform_PITR_restore_is_followed_through_RESTORING_until_the_project_is_healthy()
    {
        await using var stub = new ManagementApiStub(ProjectRef, Token);
        await using var services = Build(stub, Token, new CapturedLogs());
        var target = DateTimeOffset.UtcNow.AddHours(-5);
        var result = await services.GetRequiredService<SupabasePlatformStatus>().RestorePitrAsync(target, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(["RESTORING", "ACTIVE_HEALTHY"], result.Statuses);
        Assert.True(result.Duration > TimeSpan.Zero);
        Assert.Contains($"\"recovery_time_target_unix\":{target.ToUnixTimeSeconds()}", string.Join('\n', stub.Bodies), StringComparison.Ordinal);
        Assert.Contains($"POST /v1/projects/{ProjectRef}/database/backups/restore-pitr", stub.Requests);
    }

    private static ServiceProvider Build(ManagementApiStub stub, string token, CapturedLogs logs)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddDataGuard()
            .AddPostgres(o => o.ConnectionString = "Host=127.0.0.1;Port=1;Database=unused;Username=unused")
            .AddSupabase(o =>
            {
                o.ProjectRef = stub.ProjectRef;
                o.AccessToken = token;
                o.ManagementApiUrl = stub.Url;
            })
            .AddFileSystemStorage(Path.GetTempPath());
        return services.BuildServiceProvider();
    }

    private static async Task<HealthCheckResult> CheckAsync(ServiceProvider services)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == SupabaseHealthCheck.Name);
        var entry = report.Entries[SupabaseHealthCheck.Name];
        return new HealthCheckResult(entry.Status, entry.Description);
    }
}
