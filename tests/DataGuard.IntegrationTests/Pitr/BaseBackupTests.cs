using System.Formats.Tar;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

public sealed class BaseBackupTests(ArchivingCluster cluster) : IClassFixture<ArchivingCluster>, IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"dataguard-base-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task A_base_backup_records_its_WAL_positions_and_extracts_to_a_data_directory_pg_verifybackup_accepts()
    {
        var (backups, storage) = Create(cluster.ConnectionString);
        var manifest = await backups.RunAsync("physical");

        Assert.Equal("physical", manifest.Kind);
        Assert.Equal("pg_basebackup", manifest.Provider);
        Assert.Equal(BackupStatus.Verified, manifest.Status);
        Assert.NotNull(manifest.Wal);
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", manifest.Wal!.StartLsn);
        Assert.Equal(1, manifest.Wal.Timeline);
        Assert.Equal(await ScalarAsync("SELECT system_identifier::text FROM pg_control_system()"), manifest.Wal.SystemIdentifier);
        Assert.EndsWith("data.tar.zst", manifest.DataKey);

        var dataDir = Path.Combine(_work, "data");
        Directory.CreateDirectory(dataDir);
        var stored = await storage.OpenReadAsync(manifest.DataKey);
        await using (var raw = ArchiveCodec.OpenReader(stored, manifest, EncryptionKeyRing.None))
        {
            await TarFile.ExtractToDirectoryAsync(raw, dataDir, overwriteFiles: false);
        }

        Assert.True(File.Exists(Path.Combine(dataDir, "backup_manifest")));
        var server = await TestPostgres.GetServerAsync();
        var verify = Path.Combine(server.BinDirectory ?? "/usr/lib/postgresql/15/bin", "pg_verifybackup");
        var (code, output, error) = await ProcessRunner.RunAsync(verify, [dataDir]);
        Assert.True(code == 0, output + error);
        Assert.Contains("backup successfully verified", output);
    }

    [Fact]
    public async Task A_base_backup_estimates_its_size_from_the_cluster_for_the_storage_to_size_its_parts()
    {
        await using var provider = Services(cluster.ConnectionString, Path.Combine(_work, "estimate"));
        var physical = provider.GetServices<IBackupProvider>().Single(p => p.Kind == "physical");
        var clusterSize = long.Parse(await ScalarAsync("SELECT (sum(pg_database_size(oid)) + 2 * (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'))::text FROM pg_database"), System.Globalization.CultureInfo.InvariantCulture);

        await using var source = await physical.StartBackupAsync();
        var raw = 0L;
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await source.Content.ReadAsync(buffer)) > 0)
        {
            raw += read;
        }

        await source.CompleteAsync();
        Assert.NotNull(source.Info.EstimatedSize);
        Assert.InRange(source.Info.EstimatedSize!.Value, clusterSize * 9 / 10, clusterSize * 11 / 10);

        // The tar (with whole WAL segments) is within the quarter of headroom the S3 store adds to the estimate.
        Assert.InRange(raw, clusterSize / 4, source.Info.EstimatedSize.Value * 5 / 4);
    }

    [Fact]
    public async Task A_replication_role_that_may_not_run_pg_database_size_still_gets_its_base_backup()
    {
        // The estimate runs in the configured database; there the size functions are not executable by PUBLIC.
        var role = $"repl_{Guid.NewGuid():N}"[..16];
        var database = $"dg_nosize_{Guid.NewGuid():N}"[..26];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN REPLICATION PASSWORD 'Repl-Pa55'");
        await ExecuteAsync($"CREATE DATABASE {database}");
        try
        {
            var limited = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Username = role, Password = "Repl-Pa55", Database = database, Pooling = false }.ConnectionString;
            await ExecuteAsync("REVOKE EXECUTE ON FUNCTION pg_database_size(oid) FROM PUBLIC; REVOKE EXECUTE ON FUNCTION pg_database_size(name) FROM PUBLIC", database);

            var (backups, _) = Create(limited);
            var manifest = await backups.RunAsync("physical");

            Assert.Equal(BackupStatus.Verified, manifest.Status);
            Assert.NotNull(manifest.Wal);
        }
        finally
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await ExecuteAsync($"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task A_role_with_pg_read_all_stats_counts_the_databases_it_may_not_connect_to_in_the_estimate()
    {
        // pg_basebackup copies every database, also those whose CONNECT is revoked from PUBLIC; pg_database_size measures
        // them for a member of pg_read_all_stats (pg_monitor), so the estimate must not leave them out.
        var role = $"stats_{Guid.NewGuid():N}"[..16];
        var database = $"dg_private_{Guid.NewGuid():N}"[..27];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN REPLICATION PASSWORD 'Stats-Pa55'; GRANT pg_read_all_stats TO {role}");
        await ExecuteAsync($"CREATE DATABASE {database}");
        try
        {
            await ExecuteAsync($"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC; CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 8) AS v FROM generate_series(1, 100000) g", database);

            var expected = long.Parse(await ScalarAsync("SELECT (sum(pg_database_size(oid)) + 2 * (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'))::text FROM pg_database"), System.Globalization.CultureInfo.InvariantCulture);
            var hidden = long.Parse(await ScalarAsync($"SELECT pg_database_size('{database}')::text"), System.Globalization.CultureInfo.InvariantCulture);
            var limited = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Username = role, Password = "Stats-Pa55", Pooling = false }.ConnectionString;
            await using var provider = Services(limited, Path.Combine(_work, "stats"));
            var physical = provider.GetServices<IBackupProvider>().Single(p => p.Kind == "physical");

            await using (var source = await physical.StartBackupAsync())
            {
                await source.Content.CopyToAsync(Stream.Null);
                await source.CompleteAsync();
                Assert.NotNull(source.Info.EstimatedSize);
                Assert.InRange(source.Info.EstimatedSize!.Value, expected - (hidden / 4), expected + (hidden / 4));
            }
        }
        finally
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await ExecuteAsync($"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task Two_replicas_due_for_the_same_base_backup_slot_make_one_and_logical_slots_are_separate()
    {
        var storage = Path.Combine(_work, "scheduled");
        BackupScheduler Replica()
        {
            var services = new ServiceCollection();
            services.AddDataGuard(o =>
                {
                    o.Backup.Compression.Level = 1;
                    o.Pitr.Enabled = true;
                })
                .AddPostgres(o => o.ConnectionString = cluster.ConnectionString)
                .AddFileSystemStorage(storage);
            return services.BuildServiceProvider().GetRequiredService<BackupScheduler>();
        }

        var slot = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);
        var made = await Task.WhenAll(Replica().RunSlotAsync("physical", slot, CancellationToken.None), Replica().RunSlotAsync("physical", slot, CancellationToken.None));
        var logical = await Replica().RunSlotAsync("logical", slot, CancellationToken.None);

        var physical = Assert.Single(made, m => m is not null)!;
        Assert.Equal("physical", physical.Kind);
        Assert.NotNull(logical);
        var (backups, _) = Create(cluster.ConnectionString, storage);
        var catalog = await backups.GetCatalogAsync();
        Assert.Equal(["logical", "physical"], catalog.Backups.Select(b => b.Kind).Order());
    }

    [Fact]
    public async Task A_user_without_the_replication_attribute_gets_a_clear_error()
    {
        var role = $"norepl_{Guid.NewGuid():N}"[..18];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD 'NoRepl-Pa55'");
        try
        {
            var limited = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Username = role, Password = "NoRepl-Pa55" }.ConnectionString;
            var (backups, _) = Create(limited);
            var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => backups.RunAsync("physical"));
            Assert.Contains("replication", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("NoRepl-Pa55", ex.ToString());
            Assert.Empty((await backups.GetCatalogAsync()).Backups);
        }
        finally
        {
            await ExecuteAsync($"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task A_truncated_uncompressed_base_backup_fails_verify_instead_of_passing_as_unreadable()
    {
        // Without compression or encryption the tar reader itself meets the early end (an EndOfStreamException, an
        // IOException): that is the archive's fault, which the size and SHA-256 prove, not the storage's.
        var services = new ServiceCollection();
        services.AddDataGuard(o => o.Backup.Compression.Algorithm = "None")
            .AddPostgres(o => o.ConnectionString = cluster.ConnectionString)
            .AddFileSystemStorage(Path.Combine(_work, "storage"));
        await using var provider = services.BuildServiceProvider();
        var backups = provider.GetRequiredService<BackupService>();
        var manifest = await backups.RunAsync("physical");
        Assert.Equal(BackupStatus.Verified, manifest.Status);
        Assert.EndsWith("data.tar", manifest.DataKey);

        var path = Path.Combine(_work, "storage", manifest.DataKey);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength((file.Length / 2 / 512 * 512) + 100);
        }

        var verified = await backups.VerifyAsync(manifest.Id);
        Assert.Equal(BackupStatus.VerificationFailed, verified.Status);
        Assert.Contains("bytes, the manifest says", verified.Verification!.Detail, StringComparison.Ordinal);
        Assert.Equal(BackupStatus.VerificationFailed, (await backups.GetAsync(manifest.Id)).Status);
    }

    private (BackupService Backups, IBackupStorage Storage) Create(string connectionString, string? storage = null)
    {
        var provider = Services(connectionString, storage ?? Path.Combine(_work, "storage"));
        return (provider.GetRequiredService<BackupService>(), provider.GetRequiredService<IBackupStorage>());
    }

    private static ServiceProvider Services(string connectionString, string storage)
    {
        var services = new ServiceCollection();
        services.AddDataGuard(o => o.Backup.Compression.Level = 1)
            .AddPostgres(o => o.ConnectionString = connectionString)
            .AddFileSystemStorage(storage);
        return services.BuildServiceProvider();
    }

    private async Task<string> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null ? cluster.ConnectionString : new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = database, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
