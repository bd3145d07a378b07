using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Export;

/// <summary>
/// An attempt lost while PostgreSQL is down too cannot be recorded as an outage then (recording needs PostgreSQL): the
/// job stays claimed, and was taken over after StaleAfter as an abandoned attempt that counted, so two such outages with
/// MaxAttempts 2 failed the job for good (review of the outage accounting). The worker now records it at its next pass.
/// </summary>
public sealed class ExportPostgresOutageTests
{
    [Fact]
    public async Task An_attempt_lost_while_PostgreSQL_is_down_does_not_use_up_MaxAttempts()
    {
        var server = await TestPostgres.GetServerAsync();
        var outage = false;
        ExportHarness? harness = null;
        void PostgresDown()
        {
            using var admin = new NpgsqlConnection(server.AdminConnectionString);
            admin.Open();
            using var command = new NpgsqlCommand($"ALTER DATABASE \"{harness!.Database.Name}\" ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{harness.Database.Name}'", admin);
            command.ExecuteNonQuery();
        }

        async Task PostgresUpAsync()
        {
            await using var admin = new NpgsqlConnection(server.AdminConnectionString);
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"ALTER DATABASE \"{harness!.Database.Name}\" ALLOW_CONNECTIONS true", admin);
            await command.ExecuteNonQueryAsync();
        }

        // The first upload of an attempt finds S3 and PostgreSQL gone (a data-centre outage).
        harness = await ExportHarness.CreateAsync(
            configure: o =>
            {
                o.StaleAfter = TimeSpan.FromSeconds(30);
                o.MaxAttempts = 2;
            },
            s3Fault: (request, _) =>
            {
                if (outage && request.HttpMethod is "PUT" or "POST")
                {
                    PostgresDown();
                    return (503, "ServiceUnavailable");
                }

                return null;
            });
        await using var harnessScope = harness;
        var database = harness.Database;
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();
        var job = await jobs.RequestExportAsync("1", ["json"]);

        for (var outageNumber = 1; outageNumber <= 2; outageNumber++)
        {
            outage = true;
            await Assert.ThrowsAnyAsync<Exception>(() => runner.RunPendingAsync());   // PostgreSQL gone: the attempt cannot be given back
            outage = false;
            await PostgresUpAsync();
            NpgsqlConnection.ClearAllPools();
            await runner.CleanupAsync();   // records the outage now that PostgreSQL is back
            await database.ExecuteAsync($"UPDATE dataguard.export_jobs SET heartbeat_at = now() - interval '1 minute' WHERE id = '{job.Id}'");   // StaleAfter passes
            if (outageNumber == 2)
            {
                await runner.RunPendingAsync();
            }
        }

        var after = (await jobs.GetExportAsync(job.Id))!;
        Assert.True(after.Status == "ready", $"after two outages the job is '{after.Status}' (attempts {after.Attempts}): {after.Error}");
    }
}
