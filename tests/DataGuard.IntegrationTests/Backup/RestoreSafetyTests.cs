using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// Restores that must not write where they should not, or claim what they did not do: a database name that is a
/// connection string, a wrong key, an archive that changes between its two reads, --clean onto production.
/// </summary>
public sealed class RestoreSafetyTests
{
    private const string UserTables = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

    [Theory]
    [InlineData("dbname={0}")]
    [InlineData("postgresql:///{0}")]
    [InlineData("host=127.0.0.1 dbname={0}")]
    public async Task A_target_database_that_is_a_connection_string_is_refused_and_the_database_it_names_is_untouched(string pattern)
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var manifest = await harness.Backups.RunAsync();
        var victim = harness.NewDatabaseName();
        await AdminAsync($"CREATE DATABASE \"{victim}\"");
        await ExecuteAsync(harness.ConnectionString(victim), "CREATE TABLE sentinel (x int); INSERT INTO sentinel VALUES (42);");
        var disguised = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, victim);
        try
        {
            var ex = await Assert.ThrowsAsync<RestoreRefusedException>(() =>
                harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = disguised, Create = true }));
            Assert.Contains("connection string", ex.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was touched", ex.Message, StringComparison.Ordinal);

            // Through a connection string's Database= the same value is refused too.
            var viaConnection = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Database = disguised }.ConnectionString;
            await Assert.ThrowsAsync<RestoreRefusedException>(() =>
                harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetConnectionString = viaConnection, Create = true }));

            Assert.Equal(1, await SampleData.ScalarAsync(harness.ConnectionString(victim), UserTables));
            Assert.Equal(0, await SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = {Literal(disguised)}"));
        }
        finally
        {
            await AdminAsync($"DROP DATABASE IF EXISTS {Quote(disguised)} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_database_name_with_quotes_spaces_and_backslashes_is_restored_into_exactly_that_database()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var source = await SampleData.FingerprintAsync(harness.Database.ConnectionString);
        var manifest = await harness.Backups.RunAsync();
        var name = $"dg it's \"odd\" \\ {Guid.NewGuid():N}"[..40];
        try
        {
            var result = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = name, Create = true });
            Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches)));
            Assert.Equal(source, await SampleData.FingerprintAsync(harness.ConnectionString(name)));
        }
        finally
        {
            await AdminAsync($"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_wrong_key_is_found_before_the_target_database_is_created()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: Encrypt("k1", RandomNumberGenerator.GetBytes(32)));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 20);
        var manifest = await harness.Backups.RunAsync();
        var wrong = harness.CreateReplica(Encrypt("k1", RandomNumberGenerator.GetBytes(32)));
        var target = harness.NewDatabaseName();

        // With manifest format 2 the wrong key is found at the manifest (its MAC), before the archive is even opened.
        var ex = await Assert.ThrowsAsync<UnreadableManifestException>(() =>
            wrong.GetRequiredService<BackupService>().RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = target, Create = true }));

        Assert.Equal(0, await DatabaseCountAsync(harness, target));
        Assert.Contains(manifest.Id, ex.Message, StringComparison.Ordinal);
        Assert.Contains("key id 'k1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archive_that_changes_after_its_checksum_was_checked_fails_the_restore_before_it_commits_and_the_created_database_is_dropped()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o => o.Backup.Compression.Algorithm = "None");
        var manifest = await BackupNotesAsync(harness);
        var target = harness.NewDatabaseName();

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RestoreAsync(
            manifest.Id,
            new RestoreRequest { TargetDatabase = target, Create = true },
            TamperWhenTheRestoreReadStarts(harness, manifest)));

        Assert.Equal(ArchiveProblem.ChecksumMismatch, ex.Problem);
        Assert.Contains("differs from the one whose checksum was checked", ex.Message, StringComparison.Ordinal);
        Assert.Contains("was dropped", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await DatabaseCountAsync(harness, target));
    }

    [Fact]
    public async Task An_archive_that_changes_after_its_checksum_was_checked_leaves_an_existing_target_as_it_was()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o => o.Backup.Compression.Algorithm = "None");
        var manifest = await BackupNotesAsync(harness);
        var target = harness.NewDatabaseName();
        await AdminAsync($"CREATE DATABASE \"{target}\"");

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RestoreAsync(
            manifest.Id,
            new RestoreRequest { TargetDatabase = target, SkipChecksumVerification = true },
            TamperWhenTheRestoreReadStarts(harness, manifest)));

        Assert.Equal(ArchiveProblem.ChecksumMismatch, ex.Problem);
        Assert.Contains("as it was before", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await SampleData.ScalarAsync(harness.ConnectionString(target), UserTables));
    }

    [Fact]
    public async Task A_failed_restore_keeps_the_database_it_created_only_when_asked()
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o => o.Backup.Compression.Algorithm = "None");
        var manifest = await BackupNotesAsync(harness);
        var target = harness.NewDatabaseName();

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RestoreAsync(
            manifest.Id,
            new RestoreRequest { TargetDatabase = target, Create = true, KeepFailedTarget = true },
            TamperWhenTheRestoreReadStarts(harness, manifest)));

        Assert.Contains("was kept as asked", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, await DatabaseCountAsync(harness, target));
        Assert.Equal(0, await SampleData.ScalarAsync(harness.ConnectionString(target), UserTables));
    }

    [Fact]
    public async Task Restoring_onto_the_production_database_never_suggests_clean_and_clean_there_needs_a_separate_confirmation()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 30);
        var manifest = await harness.Backups.RunAsync();
        await harness.Database.ExecuteAsync("DELETE FROM billing.invoices; DELETE FROM orders WHERE id > 10;");
        var before = await SampleData.FingerprintAsync(harness.Database.ConnectionString);

        var plain = await Assert.ThrowsAsync<RestoreRefusedException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.Database.Name }));
        Assert.Contains("production", plain.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--clean", plain.Message, StringComparison.Ordinal);

        var clean = await Assert.ThrowsAsync<RestoreRefusedException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.Database.Name, Clean = true }));
        Assert.Contains("--confirm-production", clean.Message, StringComparison.Ordinal);

        // The same database reached through a connection string (localhost for 127.0.0.1) is production too.
        var sameDatabase = new NpgsqlConnectionStringBuilder(harness.Database.ConnectionString) { Host = "localhost" }.ConnectionString;
        await Assert.ThrowsAsync<RestoreRefusedException>(() =>
            harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetConnectionString = sameDatabase, Clean = true }));
        Assert.Equal(before, await SampleData.FingerprintAsync(harness.Database.ConnectionString));
    }

    [Fact]
    public async Task Clean_onto_the_production_database_works_once_confirmed()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 30);
        var source = await SampleData.FingerprintAsync(harness.Database.ConnectionString);
        var manifest = await harness.Backups.RunAsync();
        await harness.Database.ExecuteAsync("DELETE FROM billing.invoices; DELETE FROM orders WHERE id > 10;");

        var result = await harness.Backups.RestoreAsync(manifest.Id, new RestoreRequest { TargetDatabase = harness.Database.Name, Clean = true, ConfirmProduction = true });

        Assert.True(result.RowCountsMatch, string.Join(", ", result.Tables.Where(t => !t.Matches)));
        Assert.Equal(source, await SampleData.FingerprintAsync(harness.Database.ConnectionString));
    }

    internal static Action<AllOptions> Encrypt(string keyId, byte[] key) => o =>
    {
        o.Backup.Encryption.KeyId = keyId;
        o.Backup.Encryption.Key = Convert.ToBase64String(key);
    };

    /// <summary>A backup whose archive (uncompressed, unencrypted) holds the text 'original-note' in plain sight, for an in-place change nothing but the checksum can see.</summary>
    private static async Task<BackupManifest> BackupNotesAsync(BackupHarness harness)
    {
        await harness.Database.ExecuteAsync("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL); INSERT INTO notes SELECT g, 'original-note-' || g FROM generate_series(1, 200) g;");
        var manifest = await harness.Backups.RunAsync();
        Assert.Equal(BackupStatus.Verified, manifest.Status);
        return manifest;
    }

    /// <summary>Rewrites 'original' to 'tampered' (same length) in the stored file once the restore has opened its second read: a change only the SHA-256 reveals.</summary>
    private static SyncProgress TamperWhenTheRestoreReadStarts(BackupHarness harness, BackupManifest manifest)
    {
        var path = Path.Combine(harness.DiskRoot!, manifest.DataKey);
        var done = false;
        return new SyncProgress(p =>
        {
            if (p.Phase == "restore" && p.Bytes == 0 && !done)
            {
                done = true;
                var bytes = File.ReadAllBytes(path);
                var at = bytes.AsSpan().IndexOf("original-note-"u8);
                Assert.True(at >= 0, "the archive should hold the notes in plain text");
                "tampered"u8.CopyTo(bytes.AsSpan(at));
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
        });
    }

    private static Task<long> DatabaseCountAsync(BackupHarness harness, string name) =>
        SampleData.ScalarAsync(harness.Database.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = {Literal(name)}");

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task AdminAsync(string sql)
    {
        var server = await TestPostgres.GetServerAsync();
        await ExecuteAsync(server.AdminConnectionString, sql);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
