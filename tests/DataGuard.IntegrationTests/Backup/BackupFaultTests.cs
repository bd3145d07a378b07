using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Health;
using DataGuard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

public sealed class BackupFaultTests
{
    [Fact]
    public async Task A_flipped_byte_fails_verify_naming_the_backup_and_restore_refuses_before_touching_the_target()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 100);
        var manifest = await harness.Backups.RunAsync();
        var path = Path.Combine(harness.DiskRoot!, manifest.DataKey);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        var verified = await harness.Backups.VerifyAsync(manifest.Id);
        Assert.Equal(BackupStatus.VerificationFailed, verified.Status);
        Assert.Contains(manifest.Id, verified.Verification!.Detail);
        Assert.Contains("SHA-256", verified.Verification.Detail);
        Assert.Equal(BackupStatus.VerificationFailed, (await harness.Backups.GetAsync(manifest.Id)).Status);

        var target = harness.NewDatabaseName();
        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true }));
        Assert.Equal(ArchiveProblem.ChecksumMismatch, ex.Problem);
        Assert.Contains(manifest.Id, ex.Message);
        Assert.Equal(0, await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public async Task A_flipped_byte_in_an_encrypted_archive_fails_verify()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: Encrypt("k1", RandomNumberGenerator.GetBytes(32)));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 100);
        var manifest = await harness.Backups.RunAsync();
        var path = Path.Combine(harness.DiskRoot!, manifest.DataKey);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^40] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var verified = await harness.Backups.VerifyAsync(manifest.Id);
        Assert.Equal(BackupStatus.VerificationFailed, verified.Status);
        Assert.Contains(manifest.Id, verified.Verification!.Detail);
    }

    [Fact]
    public async Task Wrong_and_missing_encryption_keys_are_clear_errors()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var harness = await BackupHarness.CreateAsync(configure: Encrypt("k1", key));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var manifest = await harness.Backups.RunAsync();

        // The manifest is authenticated with the key (format 2): a wrong or missing key shows there, before the archive is read.
        var wrong = harness.CreateReplica(Encrypt("k1", RandomNumberGenerator.GetBytes(32)));
        var wrongEx = await Assert.ThrowsAsync<UnreadableManifestException>(() => wrong.GetRequiredService<BackupService>().VerifyAsync(manifest.Id));
        Assert.Contains("the key configured for key id 'k1' is not the key this manifest was authenticated with", wrongEx.Message);

        var missing = harness.CreateReplica(Encrypt("k2", RandomNumberGenerator.GetBytes(32)));
        var target = harness.NewDatabaseName();
        var ex = await Assert.ThrowsAsync<UnreadableManifestException>(() =>
            missing.GetRequiredService<BackupService>().RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true }));
        Assert.Contains("'k1', which is not configured", ex.Message);
        Assert.DoesNotContain(Convert.ToBase64String(key), ex.ToString());
        Assert.Equal(0, await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));

        // After a rotation the old key stays known by id: old archives still restore.
        var rotated = harness.CreateReplica(o =>
        {
            Encrypt("k2", RandomNumberGenerator.GetBytes(32))(o);
            o.Backup.Encryption.Keys["k1"] = Convert.ToBase64String(key);
        });
        var restored = await rotated.GetRequiredService<BackupService>().RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true });
        Assert.True(restored.RowCountsMatch);
    }

    [Fact]
    public async Task Restore_into_a_database_with_tables_is_refused_without_clean_and_the_target_is_untouched()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 30);
        var manifest = await harness.Backups.RunAsync();

        // A copy restored earlier, since changed: not the production database (see RestoreSafetyTests for that one).
        var copy = harness.NewDatabaseName();
        await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = copy, Create = true });
        await using (var connection = new NpgsqlConnection(harness.ConnectionString(copy)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DELETE FROM billing.invoices; DELETE FROM orders WHERE id > 10;", connection);
            await command.ExecuteNonQueryAsync();
        }

        var before = await SampleData.FingerprintAsync(harness.ConnectionString(copy));

        var ex = await Assert.ThrowsAsync<RestoreRefusedException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = copy }));
        Assert.Contains("--clean", ex.Message);
        Assert.Equal(before, await SampleData.FingerprintAsync(harness.ConnectionString(copy)));

        var cleaned = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = copy, Clean = true });
        Assert.True(cleaned.RowCountsMatch, string.Join(", ", cleaned.Tables.Where(t => !t.Matches)));
    }

    [Fact]
    public async Task Restore_into_a_missing_database_without_create_is_refused()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 5);
        var manifest = await harness.Backups.RunAsync();
        var ex = await Assert.ThrowsAsync<RestoreRefusedException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.NewDatabaseName() }));
        Assert.Contains("--create", ex.Message);
    }

    [Fact]
    public async Task Pg_dump_failures_are_clear_and_never_show_the_password()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 5);
        var password = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString).Password!;

        // Wrong password.
        var wrongPassword = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Password = "not-the-Pa55word" }.ConnectionString;
        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => ReplicaWith(harness, wrongPassword).RunAsync());
        Assert.Contains("password authentication failed", ex.Message);
        Assert.DoesNotContain("not-the-Pa55word", ex.ToString());

        // Missing permission: a role that may connect but not read a table.
        var role = $"reader_{Guid.NewGuid():N}"[..20];
        await harness.Database.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD 'Role-Pa55'; GRANT USAGE ON SCHEMA public, billing TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; REVOKE SELECT ON users FROM {role};");
        try
        {
            var limited = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Username = role, Password = "Role-Pa55" }.ConnectionString;
            ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => ReplicaWith(harness, limited).RunAsync());
            Assert.Contains("permission denied", ex.Message);
            Assert.DoesNotContain("Role-Pa55", ex.ToString());
        }
        finally
        {
            await harness.Database.ExecuteAsync($"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role};");
        }

        // The database was dropped.
        var gone = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Database = "dg_no_such_db" }.ConnectionString;
        ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => ReplicaWith(harness, gone).RunAsync());
        Assert.Contains("does not exist", ex.Message);
        Assert.DoesNotContain(password, ex.ToString());

        Assert.Empty((await harness.Backups.GetCatalogAsync()).Backups);
    }

    [Fact]
    public async Task Cancellation_mid_backup_kills_pg_dump_and_leaves_no_manifest()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await harness.Database.ExecuteAsync("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS v FROM generate_series(1, 400000) g");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == "backup" && p.Bytes > 4 * 1024 * 1024)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Backups.RunAsync(progress: progress, cancellationToken: cts.Token));

        var catalog = await harness.Backups.GetCatalogAsync();
        Assert.Empty(catalog.Backups);
        Assert.Empty(catalog.Orphans);
        await Eventually.WaitUntilAsync(async () => await SampleData.ScalarAsync(
            harness.Database.ConnectionString,
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{harness.Database.Name}' AND application_name = 'dataguard'") == 0);
    }

    [Fact]
    public async Task S3_stopped_mid_backup_fails_the_run_leaves_no_manifest_and_prune_removes_the_orphan()
    {
        await using var s3 = await PrivateS3rver.StartAsync();
        await using var harness = await BackupHarness.CreateAsync(s3: true, s3Endpoint: s3.Endpoint, configure: o => o.Backup.Retention.OrphanGracePeriod = TimeSpan.Zero);
        await s3.CreateBucketAsync(harness.Bucket!.Name);
        await harness.Database.ExecuteAsync("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS v FROM generate_series(1, 300000) g");
        var health = harness.Services.GetRequiredService<HealthCheckService>();
        Task<HealthStatus> BackupHealthAsync() => health.CheckHealthAsync(r => r.Name == BackupHealthCheck.Name).ContinueWith(t => t.Result.Status, TaskScheduler.Default);
        Assert.Equal(HealthStatus.Unhealthy, await BackupHealthAsync());

        // 1. The server dies while the data is uploading: no object, no manifest.
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == "backup" && p.Bytes > 8 * 1024 * 1024)
            {
                s3.Kill();
            }
        });
        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => harness.Backups.RunAsync(progress: progress));
        Assert.Contains(s3.Endpoint, ex.Message);
        await s3.RestartAsync();
        var catalog = await harness.Backups.GetCatalogAsync();
        Assert.Empty(catalog.Backups);
        Assert.Equal(HealthStatus.Unhealthy, await BackupHealthAsync());

        // 2. The server dies after the data is stored, before the manifest: the data is an orphan.
        progress = new SyncProgress(p =>
        {
            if (p.Phase == "verify")
            {
                s3.Kill();
            }
        });
        await Assert.ThrowsAnyAsync<DataGuardException>(() => harness.Backups.RunAsync(progress: progress));
        await s3.RestartAsync();
        catalog = await harness.Backups.GetCatalogAsync();
        Assert.Empty(catalog.Backups);
        var orphan = Assert.Single(catalog.Orphans);
        Assert.Equal(HealthStatus.Unhealthy, await BackupHealthAsync());

        var dryRun = await harness.Backups.PruneAsync(dryRun: true);
        Assert.Equal(orphan.Id, Assert.Single(dryRun.Orphans).Id);
        Assert.Single((await harness.Backups.GetCatalogAsync()).Orphans);
        var pruned = await harness.Backups.PruneAsync(dryRun: false);
        Assert.Equal(orphan.Id, Assert.Single(pruned.Orphans).Id);
        catalog = await harness.Backups.GetCatalogAsync();
        Assert.Empty(catalog.Orphans);

        // 3. The server is back: the next backup works and the health check turns green.
        await harness.Backups.RunAsync();
        Assert.Equal(HealthStatus.Healthy, await BackupHealthAsync());
    }

    private static BackupService ReplicaWith(BackupHarness harness, string connectionString)
    {
        var services = new ServiceCollection();
        DataGuard.DependencyInjection.DataGuardBuilderExtensions.AddFileSystemStorage(
            DataGuard.DependencyInjection.PostgresDataGuardBuilderExtensions.AddPostgres(
                DataGuard.DependencyInjection.DataGuardServiceCollectionExtensions.AddDataGuard(services),
                o => o.ConnectionString = connectionString),
            harness.DiskRoot);
        return services.BuildServiceProvider().GetRequiredService<BackupService>();
    }

    private static Action<AllOptions> Encrypt(string keyId, byte[] key) => o =>
    {
        o.Backup.Encryption.KeyId = keyId;
        o.Backup.Encryption.Key = Convert.ToBase64String(key);
    };
}

/// <summary>An IProgress that reports synchronously on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SyncProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
{
    public void Report(BackupProgress value) => report(value);
}
