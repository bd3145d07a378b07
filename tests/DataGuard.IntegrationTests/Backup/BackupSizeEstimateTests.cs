using DataGuard.Backup;
using DataGuard.IntegrationTests.Supabase;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// The size a logical backup estimates for the storage (pg_database_size) is a hint for the S3 part size: a role that
/// may not compute it still gets its backup, without an estimate.
/// </summary>
public sealed class BackupSizeEstimateTests
{
    [Fact]
    public async Task A_role_that_may_not_run_pg_database_size_still_gets_its_logical_backup()
    {
        var role = $"nosize_{Guid.NewGuid():N}"[..18];
        string? limited = null;
        await using var harness = await BackupHarness.CreateAsync(s3: true, postgres: o => o.ConnectionString = limited!);
        await harness.Database.ExecuteAsync("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 1000) g");

        // A hardened database: the size functions are not executable by PUBLIC (function privileges are per database).
        await harness.Database.ExecuteAsync(
            $"CREATE ROLE {role} LOGIN PASSWORD 'NoSize-Pa55'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; " +
            "REVOKE EXECUTE ON FUNCTION pg_database_size(name) FROM PUBLIC; REVOKE EXECUTE ON FUNCTION pg_database_size(oid) FROM PUBLIC;");
        try
        {
            limited = new Npgsql.NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Username = role, Password = "NoSize-Pa55" }.ConnectionString;

            var logs = new CapturedLogs();
            harness.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

            var manifest = await harness.Backups.RunAsync();

            Assert.Equal(BackupStatus.Verified, manifest.Status);
            Assert.Equal(1000, manifest.TableRowCounts["public.t"]);
            var warning = Assert.Single(logs.Lines, l => l.Contains("[1214]", StringComparison.Ordinal));
            Assert.Contains("42501: permission denied for function pg_database_size", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("NoSize-Pa55", logs.All, StringComparison.Ordinal);
        }
        finally
        {
            await harness.Database.ExecuteAsync($"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }
}
