using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

public sealed class WalHealthTests : IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"dataguard-walhealth-{Guid.NewGuid():N}");
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_stateDir);
        File.SetUnixFileMode(_stateDir, (UnixFileMode)0b111_101_101);

        // An archive_command that always fails: WAL piles up unarchived.
        var (code, output, error) = await ProcessRunner.RunAsync(
            "bash",
            [RepositoryPaths.ServicesScript, "start", "postgres"],
            new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = _stateDir, ["DATAGUARD_PG_ARCHIVE_COMMAND"] = "false" });
        Assert.True(code == 0, error);
        _connectionString = ServicesScript.ParseExports(output)["DATAGUARD_TEST_POSTGRES"];
    }

    public async Task DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = _stateDir });
        Directory.Delete(_stateDir, recursive: true);
    }

    [Fact]
    public async Task Archiving_that_lags_turns_the_wal_health_check_unhealthy()
    {
        var services = new ServiceCollection();
        services.AddDataGuard(o =>
            {
                o.Pitr.Enabled = true;
                o.Pitr.MaxArchiveLag = TimeSpan.FromMilliseconds(1);
            })
            .AddPostgres(o => o.ConnectionString = _connectionString)
            .AddFileSystemStorage(Path.Combine(_stateDir, "storage"));
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();

        var none = await health.CheckHealthAsync(r => r.Name == WalArchiveHealthCheck.Name);
        Assert.Equal(HealthStatus.Unhealthy, none.Status);
        Assert.Contains("no verified base backup", none.Entries[WalArchiveHealthCheck.Name].Description);

        await provider.GetRequiredService<BackupService>().RunAsync("physical");
        await using (var connection = new NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE t AS SELECT generate_series(1, 10000) i; SELECT pg_switch_wal(); SELECT pg_switch_wal();", connection);
            await command.ExecuteNonQueryAsync();
        }

        await Task.Delay(50);
        var lagging = await health.CheckHealthAsync(r => r.Name == WalArchiveHealthCheck.Name);
        Assert.Equal(HealthStatus.Unhealthy, lagging.Status);
        Assert.Contains("lags", lagging.Entries[WalArchiveHealthCheck.Name].Description);
    }
}
